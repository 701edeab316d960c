-- Staging: one row per leaderboard (task x dataset) entry of every tree. Names cleaned only.
WITH boards AS (
    SELECT * FROM raw_leaderboards
),

cleaned AS (
    SELECT
        source,
        source_rank,
        record,
        coalesce(nullif(clean_name(task_raw), ''), '(unnamed task)') AS task_name,
        nullif(clean_name(parent_dataset_raw), '') AS parent_dataset_name,
        coalesce(nullif(clean_name(dataset_raw), ''), '(unnamed dataset)') AS leaf_dataset_name,
        nullif(trim(description), '') AS description,
        links,
        citations,
        metric_columns
    FROM boards
)

SELECT
    *,
    CASE WHEN parent_dataset_name IS NULL THEN leaf_dataset_name
         ELSE parent_dataset_name || ' / ' || leaf_dataset_name END AS dataset_name
FROM cleaned
