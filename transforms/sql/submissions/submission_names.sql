-- submission_names: one row per submitted value, its task, dataset and metric as the release
-- names them, to check they exist there (expectations/submission_names.json; only run when there
-- is a release to compare with). Key: row_id. A spelling that folds into a metric of the release
-- (case, spacing, a (%) suffix, a reviewed alias) is that metric: only names the release cannot
-- place are unknown.
WITH keys AS (
    SELECT met.* FROM ref_metric_keys AS met CROSS JOIN ref_info WHERE ref_info.deduplicated
)

SELECT
    s.row_id,
    s.task,
    s.dataset,
    coalesce(keys.name, s.metric) AS metric
FROM submission_results AS s
JOIN submission_keyed AS k USING (row_id)
LEFT JOIN keys ON keys.match_key = k.metric_key
ORDER BY s.row_id
