-- Block maps of snapshots taken from volumes are layers: their snapshot_block rows are only the blocks the volume
-- wrote, over the map of the snapshot the volume was made from (itself possibly a layer). A block index resolves to
-- the nearest layer that has it. The row outlives the snapshot's while its map is kept (retained_block_map), and a
-- base's map is kept while a layer lies over it.
create table block_map_layer (
    snapshot_id      text primary key,
    base_snapshot_id text not null
);
create index block_map_layer_by_base on block_map_layer (base_snapshot_id);
