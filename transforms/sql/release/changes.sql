-- changes: one row per entity id added, removed, merged or changed since the previous release.
-- Key: id. diff_changes is computed by transforms.client.diff (one full outer join per table
-- against the previous release's Parquet files) just before this model runs.
SELECT * FROM diff_changes ORDER BY table_name, change, id
