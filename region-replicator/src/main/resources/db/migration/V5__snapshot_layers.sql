-- A snapshot taken from a volume (CreateImage, CreateSnapshot) is published as a layer (SnapshotBlocksOverlaid):
-- only the blocks the volume wrote, over the full map of the snapshot the volume was made from. Its rows in
-- source_snapshot_block hold that layer alone; its full map is resolved when it is read, down the chain of bases
-- (a base's rows stay when it is deleted: its layers still need them). Null for a snapshot published with its full
-- map (SnapshotBlocksRecorded), where every chain ends.
alter table source_snapshot add column base_snapshot_id text;
