-- results: one row per (task, dataset, paper, model, metric, value). Key: result_id.
-- The same subtree repeated under two parents collapses to one row (sources lists both files);
-- two different values for one identity are both kept and flagged is_conflict.
WITH cells AS (
    SELECT * FROM stg_results
),

keyed AS (
    SELECT
        *,
        make_id('tsk', task_name) AS task_id,
        make_id('dst', dataset_name) AS dataset_id,
        CASE WHEN paper_key IS NOT NULL THEN make_id('pap', paper_key) END AS paper_id,
        make_id('mdl', coalesce(paper_key, '') || chr(31) || model_name) AS model_id,
        make_id('met', metric_name) AS metric_id,
        -- Values that parse equal are one value ('85.2' = '85.2%'); unparsed ones compare raw.
        coalesce('v:' || CAST(value AS VARCHAR), 'raw:' || coalesce(value_raw, '')) AS value_key
    FROM cells
),

identified AS (
    SELECT
        *,
        result_identity_id(task_name, dataset_name, paper_key, model_name, metric_name) AS identity_id
    FROM keyed
),

collapsed AS (
    SELECT
        identity_id,
        value_key,
        any_value(task_id) AS task_id,
        any_value(dataset_id) AS dataset_id,
        any_value(paper_id) AS paper_id,
        any_value(model_id) AS model_id,
        any_value(metric_id) AS metric_id,
        any_value(value) AS value,
        first(value_raw ORDER BY source_rank, record) AS value_raw,
        first(value_issue ORDER BY source_rank, record) AS value_issue,
        bool_or(is_percent) AS is_percent,
        first(metric_name_raw ORDER BY source_rank, record) AS metric_name_raw,
        first(model_name_raw ORDER BY source_rank, record) AS model_name_raw,
        first(paper_url_raw ORDER BY source_rank, record) AS paper_url_raw,
        min(paper_date) AS paper_date,
        bool_or(uses_additional_data) AS uses_additional_data,
        first(source ORDER BY source_rank, record) AS source,
        list_sort(list_distinct(list(source))) AS sources,
        -- NULL when an archive file reported it first: a submission repeating it adds nothing.
        first(submission_id ORDER BY source_rank, record) AS submission_id
    FROM identified
    GROUP BY identity_id, value_key
),

final AS (
    SELECT
        make_id('res', identity_id || chr(31) || value_key) AS result_id,
        identity_id,
        task_id,
        dataset_id,
        paper_id,
        model_id,
        metric_id,
        value,
        value_raw,
        value_issue,
        is_percent,
        metric_name_raw,
        model_name_raw,
        paper_url_raw,
        paper_date,
        uses_additional_data,
        count(*) OVER (PARTITION BY identity_id) > 1 AS is_conflict,
        source,
        sources,
        collapsed.submission_id,
        subs.submitter
    FROM collapsed
    LEFT JOIN raw_submissions AS subs ON subs.submission_id = collapsed.submission_id
)

SELECT * FROM final
