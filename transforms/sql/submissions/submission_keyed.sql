-- The submitted results (flat_results: one row per submitted metric value), cleaned and keyed with
-- exactly the release's rules (macros.sql): names trimmed, the paper's identity, the value in the
-- metric's unit. Key: row_id.
SELECT
    *,
    coalesce(nullif(clean_name(task_raw), ''), '(unnamed task)') AS task,
    coalesce(nullif(clean_name(dataset_raw), ''), '(unnamed dataset)') AS dataset,
    coalesce(clean_name(model_raw), '') AS model,
    coalesce(nullif(clean_name(metric_raw), ''), '(unnamed metric)') AS metric,
    paper_key(coalesce(clean_arxiv_id(paper_arxiv), arxiv_from_url(paper_url)), paper_url, paper_title)
        AS paper_key,
    CASE WHEN is_percent AND unit = 'fraction' THEN value / 100 ELSE value END AS value_in_unit
FROM flat_results
