-- Snapshots: the current state of each snapshot aggregate, written in the same transaction as its events.
create table snapshot (
    snapshot_id        text primary key,
    owner_id           text not null,
    volume_size        integer not null,
    parent_snapshot_id text,
    description        text,
    tags               jsonb not null default '[]',
    state              text not null,          -- pending | completed | error
    state_reason       text,
    start_time         timestamptz not null,
    timeout_at         timestamptz not null,
    completion_time    timestamptz,
    changed_blocks     integer,
    aggregate_checksum text,
    version            bigint not null
);
create index snapshot_owner on snapshot (owner_id);
create index snapshot_pending_timeout on snapshot (timeout_at) where state = 'pending';

-- Content-addressed blocks in the bucket (object key blocks/<hex>). A row exists before its object is written
-- (stored = false): touched_at then protects the block from garbage collection while an upload is in flight.
create table block (
    checksum   text primary key,              -- SHA-256, lowercase hex
    stored     boolean not null default false,
    touched_at timestamptz not null default now()
);
create index block_touched on block (touched_at);

-- A snapshot's block map. changed = written by this snapshot (not inherited from its parent).
-- The foreign key makes a referenced block undeletable and makes garbage collection wait for a writer.
create table snapshot_block (
    snapshot_id text not null references snapshot (snapshot_id) on delete cascade,
    block_index integer not null,
    checksum    text not null references block (checksum),
    changed     boolean not null,
    primary key (snapshot_id, block_index)
);
create index snapshot_block_checksum on snapshot_block (checksum);

-- Read model "image-usage", projected from image-events: which images use which snapshots, and who may launch them.
create table image_usage (
    image_id text primary key,
    owner_id text not null,
    disabled boolean not null default false
);
create table image_usage_snapshot (
    image_id    text not null references image_usage (image_id) on delete cascade,
    snapshot_id text not null,
    primary key (image_id, snapshot_id)
);
create index image_usage_snapshot_by_snapshot on image_usage_snapshot (snapshot_id);
create table image_usage_permission (
    image_id text not null references image_usage (image_id) on delete cascade,
    grantee  text not null,                  -- a 12-digit account or the group 'all'
    primary key (image_id, grantee)
);
