-- The describe view: one row per image, a projection of image-events (rebuilt from the topic on demand).
-- Arrays and jsonb keep every event to a single-row update, which is what makes a rebuild fast.
create table image (
    image_id                  text        primary key,
    version                   bigint      not null,
    owner_id                  text        not null,
    name                      text        not null,
    description               text,
    architecture              text,
    root_device_name          text,
    block_device_mappings     jsonb       not null default '[]',
    snapshot_ids              text[]      not null default '{}',
    boot_mode                 text,
    virtualization_type       text,
    ena_support               boolean,
    imds_support              text,
    state                     text        not null,
    state_reason_code         text,
    state_reason_message      text,
    creation_date             timestamptz not null,
    deprecation_time          timestamptz,
    is_public                 boolean     not null default false,
    launch_users              text[]      not null default '{}',
    tags                      jsonb       not null default '{}',
    deregistration_protection text        not null default 'disabled',
    source_image_id           text,
    source_region             text
);
-- Describe by owner (the commonest listing) and keyset pagination by image ID.
create index image_owner on image (owner_id, image_id);
-- "Shared with me" and the visibility rule.
create index image_launch_users on image using gin (launch_users);
create index image_public on image (image_id) where is_public;
create index image_snapshot_ids on image using gin (snapshot_ids);

-- Name uniqueness per owner: claimed in the registering transaction, released by deregistration. Not a
-- read model (never wiped by a rebuild): the decider owns it.
create table image_name_claim (
    owner_id text not null,
    name     text not null,
    image_id text not null,
    primary key (owner_id, name)
);

-- What the registry knows of this Region's snapshots, from snapshot-events: which exist, are completed,
-- and whose they are. Block device mappings are validated against it.
create table known_snapshot (
    snapshot_id text    primary key,
    owner_id    text    not null,
    state       text    not null,
    volume_size integer not null
);
