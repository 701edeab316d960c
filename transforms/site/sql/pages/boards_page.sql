-- One page of every leaderboard (each task x dataset on its main metric), the most results first.
SELECT task_id, task, dataset_id, dataset, metric_id, metric, direction, results, best_model, best_model_id,
    best_value
FROM site_boards
WHERE is_main
ORDER BY results DESC, task, dataset
LIMIT $limit OFFSET $offset
