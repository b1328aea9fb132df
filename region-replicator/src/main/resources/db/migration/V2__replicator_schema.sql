-- The region-replicator's read models arrive with its features (see docs/architecture.md).
select 1;
