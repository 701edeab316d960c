-- Internal (not published): the evidence of the model-identity guard
-- (transforms/normalize/model_identity.py). One row per (paper, model spelling, leaderboard, value)
-- of every paper with more than one spelling. A leaderboard is (task, dataset, canonical metric key);
-- values compare as results.sql compares them (the parsed number, else the raw cell). A missing
-- cell ('-', '', 'N/A') is no value, so it is no evidence either way.
WITH cells AS (
    SELECT paper_key, model_name, task_name, dataset_name, metric_name, value, value_raw, value_issue
    FROM stg_results
    WHERE paper_key IS NOT NULL
),

papers AS (
    SELECT paper_key
    FROM cells
    GROUP BY paper_key
    HAVING count(DISTINCT model_name) > 1
),

final AS (
    SELECT DISTINCT
        cells.paper_key,
        cells.model_name,
        cells.task_name,
        cells.dataset_name,
        names.metric_key,
        coalesce('v:' || CAST(cells.value AS VARCHAR), 'raw:' || coalesce(cells.value_raw, '')) AS value_key
    FROM cells
    JOIN papers USING (paper_key)
    JOIN metric_names AS names USING (metric_name)
    WHERE cells.value IS NOT NULL OR coalesce(cells.value_issue, '') <> 'missing'
)

SELECT * FROM final
