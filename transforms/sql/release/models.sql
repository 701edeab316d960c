-- models: one row per (paper, trimmed model name). Key: model_id. Deduplication across
-- spellings is a later step; raw_names already lists every spelling seen.
WITH cells AS (
    SELECT * FROM stg_results
),

final AS (
    SELECT
        make_id('mdl', coalesce(paper_key, '') || chr(31) || model_name) AS model_id,
        CASE WHEN paper_key IS NOT NULL THEN make_id('pap', paper_key) END AS paper_id,
        model_name AS name,
        list_sort(list_distinct(list(model_name_raw))) AS raw_names,
        list_sort(list_distinct(flatten(list(model_links)))) AS links
    FROM cells
    GROUP BY paper_key, model_name
)

SELECT * FROM final
