-- The snapshot-service's read models arrive with its features (see docs/architecture.md).
select 1;
