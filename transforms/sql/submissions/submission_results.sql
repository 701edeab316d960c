-- submission_results: one row per submitted metric value, cleaned and keyed like the release, with
-- the value the release already holds for the same result (same task, dataset, paper, model and
-- metric by the release's deduplicated ids), if any. Key: row_id. Checked by
-- expectations/submission_results.json.
WITH keyed AS (
    SELECT
        k.*,
        CASE WHEN ref_info.deduplicated THEN k.metric_key ELSE k.metric END AS metric_match,
        CASE WHEN ref_info.deduplicated THEN k.model_key ELSE k.model END AS model_match
    FROM submission_keyed AS k
    CROSS JOIN ref_info
),

matched AS (
    SELECT k.row_id, k.value AS submitted, r.value, r.value_raw, r.result_id
    FROM keyed AS k
    JOIN ref_metric_keys AS met ON met.match_key = k.metric_match
    JOIN ref_model_keys AS mdl
      ON mdl.match_key = CASE WHEN k.paper_key IS NULL THEN 'name:' || k.model
                              ELSE make_id('pap', k.paper_key) || chr(31) || k.model_match END
    JOIN ref_results AS r
      ON r.identity_id = identity_of(
          make_id('tsk', k.task), make_id('dst', k.dataset),
          CASE WHEN k.paper_key IS NOT NULL THEN make_id('pap', k.paper_key) END,
          mdl.model_id, met.metric_id)
),

-- Of several values the release holds for the identity, the one equal to the submitted value.
best AS (
    SELECT *
    FROM matched
    QUALIFY row_number() OVER (
        PARTITION BY row_id
        ORDER BY (value IS NOT DISTINCT FROM submitted) DESC, value, result_id
    ) = 1
)

SELECT
    k.row_id, k.file_index, k.task, k.dataset, k.model, k.metric, k.paper_key,
    k.value_raw, k.value, k.value_issue, k.is_percent, k.unit, k.min_value, k.max_value,
    k.value_in_unit,
    best.value AS existing_value,
    best.value_raw AS existing_value_raw,
    best.result_id AS existing_result_id
FROM keyed AS k
LEFT JOIN best ON best.row_id = k.row_id
ORDER BY k.row_id
