-- Staging: one row per task node of every evaluation-tables tree (a task nested under two
-- parents appears twice). Names cleaned only.
WITH nodes AS (
    SELECT * FROM raw_task_nodes
)

SELECT
    source,
    source_rank,
    record,
    coalesce(nullif(clean_name(task_raw), ''), '(unnamed task)') AS task_name,
    nullif(clean_name(parent_task_raw), '') AS parent_task_name,
    depth,
    nullif(trim(description), '') AS description,
    list_filter(list_transform(categories, c -> clean_name(c)), c -> c <> '') AS categories,
    list_filter(list_transform(synonyms, c -> clean_name(c)), c -> c <> '') AS synonyms,
    nullif(trim(source_link_url), '') AS source_link_url
FROM nodes
