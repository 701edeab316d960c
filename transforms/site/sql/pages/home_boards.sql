-- Notable benchmarks: the leaderboards with the most results.
SELECT task_id, task, dataset_id, dataset, metric_id, metric, direction, results, best_model, best_model_id,
    best_value, best_paper_id
FROM site_boards
WHERE is_main AND ranked > 0
ORDER BY results DESC, task, dataset
LIMIT $limit
