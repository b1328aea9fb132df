-- Which instances were launched from which image, from instance-events (launch-service): an image's last
-- launched time and the "still in use" warning of DeregisterImage. A read model like the others: wiped and
-- rebuilt from instance-events on demand. Terminated instances keep their row (state 'terminated') so that a
-- replay and the live intake end in the same rows.
create table image_instance (
    instance_id text        primary key,
    image_id    text        not null,
    owner_id    text        not null,
    state       text        not null,
    launch_time timestamptz not null,
    version     bigint      not null
);
create index image_instance_in_use on image_instance (image_id) where state <> 'terminated';

-- One row per launched image, so that DescribeImages reads LastLaunchedTime with a key lookup.
create table image_last_launch (
    image_id           text        primary key,
    last_launched_time timestamptz not null
);
