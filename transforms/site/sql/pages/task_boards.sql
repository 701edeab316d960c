-- A task's datasets, each with its main leaderboard's state of the art; the most used first.
SELECT dataset_id, dataset, metric_id, metric, direction, results, ranked, best_model, best_model_id,
    best_value, best_paper_id, last_date
FROM site_boards
WHERE task_id = $id AND is_main
ORDER BY results DESC, dataset
