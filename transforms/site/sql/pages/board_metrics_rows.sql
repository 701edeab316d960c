-- The metrics of a (task, dataset) by row numbers (rows.py): the leaderboard page's tabs.
SELECT task_id, task, dataset_id, dataset, metric_id, metric, direction, results, ranked, papers,
    best_model, best_model_id, best_value, best_paper_id, last_date, is_main
FROM site_boards
WHERE rowid BETWEEN $first AND $last
ORDER BY is_main DESC, ranked DESC, results DESC, metric
