-- CopySnapshot: a snapshot asked for in this Region is pending until the region-replicator's copy completes it. Its
-- size is not known until then (null), it has no deadline of its own (the replicator answers with the copy or its
-- failure), and it remembers its source so that nothing but the copy fills it.
alter table snapshot alter column volume_size drop not null;
alter table snapshot alter column timeout_at drop not null;
alter table snapshot add column source_region text;
alter table snapshot add column source_snapshot_id text;

-- SnapshotCopied parts of a CopySnapshot carry no image.
alter table copied_snapshot_part alter column image_id drop not null;

-- Read model "copy-progress", projected from copy-events (SnapshotCopyProgressed): how far each CopySnapshot's copy
-- has come, shown as the snapshot's Progress while it is pending.
create table snapshot_copy_progress (
    snapshot_id  text primary key,
    blocks_done  bigint not null,
    blocks_total bigint not null,
    percent      integer not null
);
