-- A copy job now copies an image (CopyImage) or one snapshot (CopySnapshot), with the same claim, lease, back-off
-- and block plan: its row is keyed by the ID of what the copy makes here (ami- or snap-), and says which kind of
-- copy it is. Snapshot copies have no name and never copy image tags.
alter table image_copy rename to copy_job;
alter table copy_job rename constraint image_copy_pkey to copy_job_pkey;
alter index image_copy_due rename to copy_job_due;
alter table copy_job rename column image_id to copy_id;
alter table copy_job rename column source_image_id to source_id;
alter table copy_job add column kind text not null default 'image' check (kind in ('image', 'snapshot'));
alter table copy_job alter column kind drop default;
alter table copy_job alter column name drop not null;

alter table copy_snapshot rename column image_id to copy_id;
alter table copy_block rename column image_id to copy_id;
