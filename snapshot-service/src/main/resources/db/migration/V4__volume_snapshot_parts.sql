-- Parts of the block maps of snapshots taken from volumes (VolumeSnapshotTaken on instance-events, produced by the
-- launch-service for CreateImage and CreateSnapshot). Kept after the snapshot is made: the record of what arrived.
create table volume_snapshot_part (
    snapshot_id      text not null,
    part             integer not null,
    parts            integer not null,
    instance_id      text not null,
    volume_id        text not null,
    owner_id         text not null,
    base_snapshot_id text not null,
    image_id         text,
    volume_size      integer not null,
    description      text,
    tags             jsonb not null default '[]', -- [{"key":..,"value":..}]: the snapshot's first tags
    failure_code     text,                     -- set: the volume could not be snapshotted
    failure_message  text,
    written_blocks   jsonb not null,           -- [{"index":..,"checksum":base64}, ...] in index order
    taken_at         timestamptz not null,
    received_at      timestamptz not null default now(),
    primary key (snapshot_id, part)
);
