-- site_results: one row per result with every name a page shows, ranked within its leaderboard
-- by the `leaderboards` view (rank NULL: not comparable or direction unknown). Sorted by
-- leaderboard (task, dataset, metric) and rank, so one leaderboard is one contiguous range.
WITH code AS (
    SELECT DISTINCT paper_id FROM code_links WHERE paper_id IS NOT NULL
),

final AS (
    SELECT
        r.task_id,
        t.name AS task,
        r.dataset_id,
        d.name AS dataset,
        r.metric_id,
        m.name AS metric,
        trim(r.metric_name_raw) AS metric_label,
        r.direction,
        m.unit,
        lb.rank,
        r.value,
        r.value_raw,
        r.value_normalized,
        r.value_flag,
        r.value_issue,
        r.result_id,
        r.model_id,
        mo.name AS model,
        r.paper_id,
        p.title AS paper_title,
        coalesce(r.paper_date, p.published) AS paper_date,
        r.uses_additional_data,
        r.is_conflict,
        r.source,
        r.submitter,
        code.paper_id IS NOT NULL AS has_code
    FROM results AS r
    JOIN tasks AS t ON t.task_id = r.task_id
    JOIN datasets AS d ON d.dataset_id = r.dataset_id
    JOIN metrics AS m ON m.metric_id = r.metric_id
    JOIN models AS mo ON mo.model_id = r.model_id
    LEFT JOIN papers AS p ON p.paper_id = r.paper_id
    LEFT JOIN leaderboards AS lb ON lb.result_id = r.result_id
    LEFT JOIN code ON code.paper_id = r.paper_id
)

SELECT * FROM final
ORDER BY task_id, dataset_id, metric_id, rank NULLS LAST, value_normalized DESC NULLS LAST, model, result_id
