-- Every result of one model, by leaderboard.
SELECT task_id, task, dataset_id, dataset, metric_id, metric, metric_label, rank, value, value_raw,
    value_flag, is_conflict
FROM site_results
WHERE model_id = $id
ORDER BY task, dataset, metric
