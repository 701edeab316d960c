-- leaderboards (a view of pwc.duckdb): every leaderboard (task, dataset, metric) with its results
-- ranked by the metric's direction in that task, the state of the art first (rank 1).
-- Ranked: results with a comparable value (value_normalized: parsed, within the metric's bounds,
-- on the leaderboard's scale) and a known direction. Ties share a rank. Conflicting values of one
-- identity both appear (is_conflict). Results that cannot be ranked are not listed here.
SELECT
    r.task_id,
    t.name AS task,
    r.dataset_id,
    d.name AS dataset,
    r.metric_id,
    m.name AS metric,
    r.direction,
    rank() OVER (
        PARTITION BY r.task_id, r.dataset_id, r.metric_id
        ORDER BY CASE WHEN r.direction = 'lower' THEN r.value_normalized ELSE -r.value_normalized END
    ) AS rank,
    r.value_normalized AS value,
    r.value_raw,
    r.value_flag,
    r.result_id,
    r.model_id,
    mo.name AS model,
    r.paper_id,
    p.title AS paper_title,
    coalesce(r.paper_date, p.published) AS paper_date,
    r.uses_additional_data,
    r.is_conflict
FROM results AS r
JOIN tasks AS t ON t.task_id = r.task_id
JOIN datasets AS d ON d.dataset_id = r.dataset_id
JOIN metrics AS m ON m.metric_id = r.metric_id
JOIN models AS mo ON mo.model_id = r.model_id
LEFT JOIN papers AS p ON p.paper_id = r.paper_id
WHERE r.value_normalized IS NOT NULL AND r.direction IS NOT NULL
