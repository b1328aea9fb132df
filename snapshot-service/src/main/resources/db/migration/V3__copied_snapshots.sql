-- Parts of the block maps of snapshots the region-replicator copied into this Region (SnapshotCopied on
-- copy-events). Kept after the snapshot is created: they are the record of what the replicator delivered.
create table copied_snapshot_part (
    snapshot_id        text not null,
    part               integer not null,
    parts              integer not null,
    image_id           text not null,
    source_snapshot_id text not null,
    source_region      text not null,
    owner_id           text not null,
    volume_size        integer not null,
    aggregate_checksum text not null,
    description        text,
    blocks             jsonb not null,            -- [{"index":..,"checksum":base64}, ...] in index order
    received_at        timestamptz not null default now(),
    primary key (snapshot_id, part)
);
