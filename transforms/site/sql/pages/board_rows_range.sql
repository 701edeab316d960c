-- One leaderboard's rows by row numbers (rows.py); site_results holds them ranked.
SELECT task_id, dataset_id, metric_id, rank, model_id, model, value, value_raw, value_normalized, value_flag,
    value_issue, paper_id, paper_title, paper_date, uses_additional_data, is_conflict, has_code, source,
    submitter, unit, result_id
FROM site_results
WHERE rowid BETWEEN $first AND $last
ORDER BY rowid
