-- metrics: one row per canonical metric (int_metric_spellings: every spelling that folds to it or
-- is a reviewed alias of it). Key: metric_id. Facts come from the metric registry.
WITH cells AS (
    SELECT * FROM stg_results
),

spellings AS (
    SELECT * FROM int_metric_spellings
),

final AS (
    SELECT
        spellings.metric_id,
        any_value(spellings.canonical_name) AS name,
        any_value(spellings.metric_key) AS name_key,
        bool_or(names.is_known) AS is_known,
        any_value(names.direction) AS direction,
        any_value(names.unit) AS unit,
        any_value(names.min_value) AS min_value,
        any_value(names.max_value) AS max_value,
        any_value(names.note) AS note,
        list_sort(list_distinct(list(cells.metric_name_raw))) AS raw_names,
        count(*) AS result_count
    FROM cells
    JOIN spellings USING (metric_name)
    JOIN metric_names AS names USING (metric_name)
    GROUP BY spellings.metric_id
)

SELECT * FROM final
