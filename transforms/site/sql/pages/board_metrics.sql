-- Every metric of a (task, dataset) with its leaderboard's summary: the tabs of a leaderboard
-- page, the main one first.
SELECT task_id, task, dataset_id, dataset, metric_id, metric, direction, results, ranked, papers,
    best_model, best_model_id, best_value, best_paper_id, last_date, is_main
FROM site_boards
WHERE task_id = $task AND dataset_id = $dataset
ORDER BY is_main DESC, ranked DESC, results DESC, metric
