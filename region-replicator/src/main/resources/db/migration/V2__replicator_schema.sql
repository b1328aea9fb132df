-- Read model "source-<region>": what the replicator knows of each source Region, projected from that Region's
-- own image-events and snapshot-events. Rebuilt from those topics like any read model.
create table source_image (
    region          text    not null,
    image_id        text    not null,
    owner_id        text    not null,
    state           text    not null,           -- available | pending | failed | disabled | deregistered
    public          boolean not null default false,
    attributes      jsonb   not null,           -- the ImageRegistered / ImageAvailable payload (mappings, architecture...)
    primary key (region, image_id)
);
create table source_image_permission (
    region   text not null,
    image_id text not null,
    user_id  text not null,
    primary key (region, image_id, user_id)
);
create table source_snapshot (
    region         text    not null,
    snapshot_id    text    not null,
    owner_id       text    not null,
    volume_size    integer,
    parts          integer not null,
    parts_recorded integer not null default 0,
    map_checksum   text    not null,
    deleted        boolean not null default false,
    primary key (region, snapshot_id)
);
create table source_snapshot_block (
    region      text    not null,
    snapshot_id text    not null,
    block_index integer not null,
    checksum    text    not null,               -- base64 SHA-256, as on the wire
    primary key (region, snapshot_id, block_index)
);

-- Copies asked for in this (destination) Region. One row per destination image; progress survives restarts.
create table image_copy (
    image_id         text        primary key,
    owner_id         text        not null,
    source_region    text        not null,
    source_image_id  text        not null,
    name             text        not null,
    description      text,
    copy_image_tags  boolean     not null,
    requested_at     timestamptz not null,
    state            text        not null,      -- copying | completed | failed
    state_reason     text,
    blocks_total     integer,
    blocks_done      integer     not null default 0,
    blocks_skipped   integer     not null default 0,
    bytes_moved      bigint      not null default 0,
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    claimed_until    timestamptz,
    version          bigint      not null default 0
);
create index image_copy_due on image_copy (next_attempt_at) where state = 'copying';

-- The destination snapshot created for each source snapshot of a copy (chosen once, so a resumed copy reuses it).
create table copy_snapshot (
    image_id           text not null references image_copy (image_id),
    source_snapshot_id text not null,
    snapshot_id        text not null unique,
    primary key (image_id, source_snapshot_id)
);

-- Distinct blocks a copy must have in the destination bucket; done ones are never sent again.
create table copy_block (
    image_id text    not null references image_copy (image_id),
    checksum text    not null,                  -- base64 SHA-256
    done     boolean not null default false,
    primary key (image_id, checksum)
);
create index copy_block_pending on copy_block (image_id) where not done;
