-- metrics: one row per trimmed metric name. Key: metric_id. (Canonical metrics come later.)
WITH cells AS (
    SELECT * FROM stg_results
),

final AS (
    SELECT
        make_id('met', metric_name) AS metric_id,
        metric_name AS name,
        list_sort(list_distinct(list(metric_name_raw))) AS raw_names,
        count(*) AS result_count
    FROM cells
    GROUP BY metric_name
)

SELECT * FROM final
