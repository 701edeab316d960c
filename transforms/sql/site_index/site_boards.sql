-- site_boards: one row per leaderboard (task, dataset, metric) with its size and state of the art.
-- Sorted by task, so a task page reads one contiguous range.
WITH per_board AS (
    SELECT
        task_id,
        any_value(task) AS task,
        dataset_id,
        any_value(dataset) AS dataset,
        metric_id,
        any_value(metric) AS metric,
        any_value(direction) AS direction,
        count(*) AS results,
        count(rank) AS ranked,
        count(DISTINCT paper_id) AS papers,
        arg_min(model, rank) AS best_model,
        arg_min(model_id, rank) AS best_model_id,
        arg_min(value_normalized, rank) AS best_value,
        arg_min(paper_id, rank) AS best_paper_id,
        max(paper_date) AS last_date
    FROM site_results
    GROUP BY task_id, dataset_id, metric_id
),

final AS (
    SELECT
        *,
        -- The leaderboard a (task, dataset) opens on: its most used metric.
        row_number() OVER (
            PARTITION BY task_id, dataset_id ORDER BY ranked DESC, results DESC, metric
        ) = 1 AS is_main
    FROM per_board
)

SELECT * FROM final
ORDER BY task_id, dataset_id, results DESC, metric_id
