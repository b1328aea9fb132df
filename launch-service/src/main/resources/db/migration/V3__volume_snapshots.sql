-- CreateSnapshot and DescribeVolumes find a root volume's instance by the volume's ID.
create index instance_root_volume on instance (root_volume_id);
