-- A deleted snapshot's block map outlives it while volumes made from it hold it (their blocks not written are read
-- from it): the map is no longer deleted with the snapshot's row but explicitly, when nothing holds it any more.
alter table snapshot_block drop constraint snapshot_block_snapshot_id_fkey;

-- Deleted snapshots whose maps (snapshot_block) are kept because volumes hold them. The row is also what a
-- snapshot of a volume (FOR SHARE) and the release of the last hold (FOR UPDATE) take turns on.
create table retained_block_map (
    snapshot_id text primary key,
    deleted_at  timestamptz not null default now()
);

-- Read model "volume-holds", projected from instance-events: which volumes hold which base snapshot.
-- InstanceLaunched adds a hold; the instance's termination releases it when the volume goes with it
-- (delete_on_termination). A released row is kept, so that a republished InstanceLaunched does not hold again.
create table volume_hold (
    volume_id             text primary key,
    instance_id           text not null,
    snapshot_id           text not null,
    delete_on_termination boolean not null,
    released              boolean not null default false
);
create index volume_hold_by_snapshot on volume_hold (snapshot_id) where not released;
create index volume_hold_by_instance on volume_hold (instance_id);
