-- Images made from instances (CreateImage): the instance an image came from (DescribeImages' SourceInstanceId and
-- the source-instance-id filter), the root-volume snapshot a pending one waits for, and the instances' root
-- volumes as instance-events announce them.
alter table image add column source_instance_id text;

create table image_awaited_snapshot (
    snapshot_id text primary key,
    image_id    text not null
);

alter table image_instance add column volume_id text, add column volume_size integer;
