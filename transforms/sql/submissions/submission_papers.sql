-- submission_papers: one row per dated paper of a submission. Key: row_id. Checked by
-- expectations/submission_papers.json.
WITH parsed AS (
    SELECT row_id, file_index, date_raw, try_strptime(date_raw, '%Y-%m-%d')::DATE AS date
    FROM flat_papers
)

-- Year 0 parses in DuckDB but not in Python: it is no real date (the strftime check says so).
SELECT row_id, file_index, date_raw, CASE WHEN year(date) >= 1 THEN date END AS date
FROM parsed
ORDER BY row_id
