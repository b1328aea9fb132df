-- Read model "launchable-images": this service's own projection of image-events and snapshot-events. It is
-- all a launch decision reads; it can be wiped and rebuilt from the topics (POST /admin/read-models/...).
create table launch_image (
    image_id          text        primary key,
    owner_id          text        not null,
    -- available | pending | failed | deregistered (disabled is a separate flag: EnableImage restores the state)
    state             text        not null,
    disabled          boolean     not null default false,
    public            boolean     not null default false,
    root_device_name  text,
    root_snapshot_id  text,
    root_volume_size  integer,
    delete_on_termination boolean not null default true,
    deprecation_time  timestamptz,
    -- aggregate version of the last applied event: an older event arriving late changes nothing
    version           bigint      not null
);

-- Accounts an image is shared with (the group "all" is launch_image.public).
create table launch_image_permission (
    image_id text not null references launch_image (image_id) on delete cascade,
    account  text not null,
    primary key (image_id, account)
);

-- Snapshots as far as launching cares: a deleted one cannot back a new volume.
create table launch_snapshot (
    snapshot_id text    primary key,
    block_count bigint,
    volume_size integer,
    deleted     boolean not null default false
);

-- Instances: the current state of each instance aggregate, written in the same transaction as its events
-- (the event store is the source of truth; this table is what queries and the transition worker read).
create table instance (
    instance_id          text        primary key,
    owner_id             text        not null,
    reservation_id       text        not null,
    image_id             text        not null,
    image_owner_id       text        not null,
    instance_type        text        not null,
    ami_launch_index     integer     not null,
    state                text        not null,
    state_reason_code    text,
    state_reason_message text,
    launch_time          timestamptz not null,
    state_changed_at     timestamptz not null,
    root_device_name     text        not null,
    root_volume_id       text        not null,
    root_snapshot_id     text        not null,
    root_volume_size     integer     not null,
    delete_on_termination boolean    not null,
    user_data            text,
    version              bigint      not null
);
create index instance_owner on instance (owner_id, instance_id);
create index instance_image on instance (image_id, owner_id);
-- The transition worker's queue: only instances in a transitional state.
create index instance_transitional on instance (state_changed_at)
    where state in ('pending', 'stopping', 'shutting-down');

create table instance_tag (
    instance_id text not null references instance (instance_id) on delete cascade,
    key         text not null,
    value       text not null,
    primary key (instance_id, key)
);

-- Root volumes: a copy-on-write view of a snapshot. Creating one copies nothing: every block reads from the
-- base snapshot (through the snapshot-service) until the volume writes its own, recorded in volume_block.
create table volume (
    volume_id        text        primary key,
    instance_id      text        not null,
    base_snapshot_id text        not null,
    size_gib         integer     not null,
    -- blocks of 512 KiB the volume spans, and how many of them the base snapshot holds data for
    block_span       bigint      not null,
    base_block_count bigint,
    state            text        not null,
    create_time      timestamptz not null
);

-- Blocks the volume has written itself (none at creation); any other index reads the base snapshot's block.
create table volume_block (
    volume_id   text   not null references volume (volume_id) on delete cascade,
    block_index bigint not null,
    checksum    text   not null,
    primary key (volume_id, block_index)
);
