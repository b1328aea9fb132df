-- The event store: the source of truth of everything this service decides. Append-only; the unique
-- (aggregate_id, aggregate_version) pair makes a concurrent writer lose with a conflict, never silently.
create table event_store (
    event_id          uuid         primary key,
    aggregate_id      text         not null,
    aggregate_version bigint       not null,
    event_type        text         not null,
    occurred_at       timestamptz  not null,
    envelope          jsonb        not null,
    constraint event_store_aggregate_version unique (aggregate_id, aggregate_version)
);

-- Events waiting to reach Kafka, written in the same transaction as the event store.
create table outbox (
    position    bigserial    primary key,
    event_id    uuid         not null,
    event_type  text         not null,
    topic       text         not null,
    message_key text         not null,
    envelope    text         not null,
    created_at  timestamptz  not null default now()
);

-- Which events each read model has applied: applying an event twice changes nothing.
create table applied_event (
    read_model text not null,
    event_id   uuid not null,
    primary key (read_model, event_id)
);

-- Client tokens of mutating calls: a retry with the same token returns the first result.
create table client_token (
    account      text        not null,
    action       text        not null,
    token        text        not null,
    request_hash text        not null,
    response     text        not null,
    created_at   timestamptz not null default now(),
    primary key (account, action, token)
);
