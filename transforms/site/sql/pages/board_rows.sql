-- One leaderboard's rows: ranked rows by rank, then the rows that cannot be ranked.
SELECT task_id, dataset_id, metric_id, rank, model_id, model, value, value_raw, value_normalized, value_flag, value_issue, paper_id,
    paper_title, paper_date, uses_additional_data, is_conflict, has_code, source, submitter, unit, result_id
FROM site_results
WHERE task_id = $task AND dataset_id = $dataset AND metric_id = $metric
ORDER BY rank NULLS LAST, value_normalized DESC NULLS LAST, model, result_id
