-- results: one row per (task, dataset, paper, model, metric, value). Key: result_id.
-- The same subtree repeated under two parents collapses to one row (sources lists both files);
-- two different values for one identity are both kept and flagged is_conflict. Model and metric
-- are the deduplicated ones (int_model_spellings, int_metric_spellings).
WITH cells AS (
    SELECT * FROM stg_results
),

keyed AS (
    SELECT
        cells.*,
        make_id('tsk', cells.task_name) AS task_id,
        make_id('dst', cells.dataset_name) AS dataset_id,
        CASE WHEN cells.paper_key IS NOT NULL THEN make_id('pap', cells.paper_key) END AS paper_id,
        models.model_id,
        metrics.metric_id,
        facts.direction,
        facts.unit,
        facts.min_value,
        facts.max_value,
        -- Values that parse equal are one value ('85.2' = '85.2%'); unparsed ones compare raw.
        coalesce('v:' || CAST(cells.value AS VARCHAR), 'raw:' || coalesce(cells.value_raw, '')) AS value_key
    FROM cells
    JOIN int_model_spellings AS models
      ON models.paper_key IS NOT DISTINCT FROM cells.paper_key AND models.model_name = cells.model_name
    JOIN int_metric_spellings AS metrics ON metrics.metric_name = cells.metric_name
    JOIN metric_in_task AS facts ON facts.task_name = cells.task_name AND facts.metric_name = cells.metric_name
),

identified AS (
    SELECT
        *,
        identity_of(task_id, dataset_id, paper_id, model_id, metric_id) AS identity_id
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
        any_value(direction) AS direction,
        any_value(unit) AS unit,
        any_value(min_value) AS min_value,
        any_value(max_value) AS max_value,
        first(metric_name_raw ORDER BY source_rank, record) AS metric_name_raw,
        first(model_name_raw ORDER BY source_rank, record) AS model_name_raw,
        first(paper_url_raw ORDER BY source_rank, record) AS paper_url_raw,
        min(paper_date) AS paper_date,
        bool_or(uses_additional_data) AS uses_additional_data,
        first(source ORDER BY source_rank, record) AS source,
        list_sort(list_distinct(list(source))) AS sources,
        -- NULL when an archive file reported it first: a submission repeating it adds nothing.
        first(submission_id ORDER BY source_rank, record) AS submission_id,
        list_sort(list_distinct(list(submission_id) FILTER (WHERE submission_id IS NOT NULL))) AS submission_ids
    FROM identified
    GROUP BY identity_id, value_key
),

bounded AS (
    SELECT
        *,
        coalesce(value < min_value OR value > max_value, false) AS out_of_bounds,
        unit IN ('percent', 'fraction') AS is_proportion
    FROM collapsed
),

-- A leaderboard is (task, dataset, metric). Its scale is percent when its median value is above 1.
boards AS (
    SELECT
        task_id,
        dataset_id,
        metric_id,
        median(value) AS median_value,
        min(value) FILTER (WHERE value > 1) AS percent_min,
        max(value) FILTER (WHERE value > 1) AS percent_max,
        min(value) FILTER (WHERE value > 0 AND value <= 1) AS fraction_min,
        max(value) FILTER (WHERE value > 0 AND value <= 1) AS fraction_max
    FROM bounded
    WHERE value IS NOT NULL AND NOT out_of_bounds AND is_proportion
    GROUP BY task_id, dataset_id, metric_id
),

-- A fraction among percentages (or the reverse) is reconciled when x100 (/100) lands inside the
-- range of the other values; it is flagged scale_unclear when it is ten times outside that range.
flagged AS (
    SELECT
        bounded.*,
        CASE
            WHEN bounded.value IS NULL THEN NULL
            WHEN bounded.out_of_bounds THEN 'out_of_bounds'
            WHEN NOT coalesce(bounded.is_proportion, false) OR bounded.value <= 0 THEN NULL
            WHEN boards.median_value > 1 AND bounded.value <= 1 AND NOT bounded.is_percent THEN
                CASE
                    WHEN bounded.value * 100 BETWEEN boards.percent_min AND boards.percent_max
                        THEN 'fraction_rescaled'
                    WHEN bounded.value < boards.percent_min / 10 THEN 'scale_unclear'
                END
            WHEN boards.median_value <= 1 AND bounded.value > 1 THEN
                CASE
                    WHEN bounded.value / 100 BETWEEN boards.fraction_min AND boards.fraction_max
                        THEN 'percent_rescaled'
                    WHEN bounded.value > boards.fraction_max * 10 THEN 'scale_unclear'
                END
        END AS value_flag
    FROM bounded
    LEFT JOIN boards USING (task_id, dataset_id, metric_id)
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
        CASE value_flag
            WHEN 'fraction_rescaled' THEN round(value * 100, 12)
            WHEN 'percent_rescaled' THEN round(value / 100, 12)
            WHEN 'out_of_bounds' THEN NULL
            WHEN 'scale_unclear' THEN NULL
            ELSE value
        END AS value_normalized,
        value_flag,
        direction,
        metric_name_raw,
        model_name_raw,
        paper_url_raw,
        paper_date,
        uses_additional_data,
        count(*) OVER (PARTITION BY identity_id) > 1 AS is_conflict,
        source,
        sources,
        flagged.submission_id,
        subs.submitter,
        nullif(submission_ids, []) AS submission_ids
    FROM flagged
    LEFT JOIN raw_submissions AS subs ON subs.submission_id = flagged.submission_id
)

SELECT * FROM final
