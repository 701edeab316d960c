-- Staging: one row per archived metric cell.
-- Renames, casts and cleans only: names trimmed, value parsed (value_parses is filled by
-- transforms.normalize from the one Python value parser), paper identity derived.
WITH cells AS (
    SELECT * FROM raw_results WHERE metric_name_raw IS NOT NULL
),

parses AS (
    SELECT * FROM value_parses
),

cleaned AS (
    SELECT
        cells.source,
        cells.source_rank,
        cells.record,
        coalesce(nullif(clean_name(cells.task_raw), ''), '(unnamed task)') AS task_name,
        coalesce(nullif(clean_name(cells.parent_dataset_raw), ''), NULL) AS parent_dataset_name,
        coalesce(nullif(clean_name(cells.dataset_raw), ''), '(unnamed dataset)') AS leaf_dataset_name,
        coalesce(cells.model_name_raw, '') AS model_name_raw,
        coalesce(clean_name(cells.model_name_raw), '') AS model_name,
        cells.metric_name_raw,
        coalesce(nullif(clean_name(cells.metric_name_raw), ''), '(unnamed metric)') AS metric_name,
        cells.value_raw,
        parses.value,
        parses.value_issue,
        coalesce(parses.is_percent, false) AS is_percent,
        nullif(clean_name(cells.paper_title_raw), '') AS paper_title,
        nullif(trim(cells.paper_url_raw), '') AS paper_url_raw,
        arxiv_from_url(cells.paper_url_raw) AS arxiv_id,
        try_cast(cells.paper_date_raw AS DATE) AS paper_date,
        coalesce(cells.uses_additional_data, false) AS uses_additional_data,
        cells.code_links,
        cells.model_links,
        cells.submission_id
    FROM cells
    LEFT JOIN parses ON parses.value_raw IS NOT DISTINCT FROM cells.value_raw
)

SELECT
    *,
    -- A subdataset is named after its parent: 'Restricted' alone means nothing.
    CASE WHEN parent_dataset_name IS NULL THEN leaf_dataset_name
         ELSE parent_dataset_name || ' / ' || leaf_dataset_name END AS dataset_name,
    paper_key(arxiv_id, paper_url_raw, paper_title) AS paper_key
FROM cleaned
