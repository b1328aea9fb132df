-- Each snapshot's whole (resolved) block map packed as the LINEAR checksum reads it: per block that holds data, in
-- index order, the index (4 bytes) and the raw SHA-256 (32 bytes). A snapshot of a volume computes its full map's
-- count and checksum from its base's packed map and the volume's writes, instead of resolving the base's rows (a
-- sort of 131,072 of them for 64 GiB) on every CreateImage. Written with the map (completion, copy, layer); a map
-- made before this migration is packed the first time a volume's snapshot needs it. Deleted with the map.
create table packed_block_map (
    snapshot_id text primary key,
    entries     bytea not null
);
-- The entries are SHA-256s: they do not compress, so PostgreSQL is not asked to try.
alter table packed_block_map alter column entries set storage external;
