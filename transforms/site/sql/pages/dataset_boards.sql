-- A dataset's leaderboards (one per task, its main metric), the most used first.
SELECT task_id, task, metric_id, metric, direction, results, ranked, best_model, best_model_id, best_value,
    best_paper_id, last_date
FROM site_boards
WHERE dataset_id = $id AND is_main
ORDER BY results DESC, task
