-- models: one row per model of a paper (int_model_spellings: spellings that the reviewed rules of
-- transforms/normalize/model_identity.py join are one model); models without a paper are one row
-- per name. Key: model_id. name_key is the folded key of the model's canonical spelling.
WITH cells AS (
    SELECT * FROM stg_results
),

spellings AS (
    SELECT * FROM int_model_spellings
),

final AS (
    SELECT
        spellings.model_id,
        CASE WHEN any_value(cells.paper_key) IS NOT NULL THEN make_id('pap', any_value(cells.paper_key)) END
            AS paper_id,
        any_value(spellings.canonical_name) AS name,
        any_value(spellings.canonical_name_key) AS name_key,
        list_sort(list_distinct(list(cells.model_name_raw))) AS raw_names,
        list_sort(list_distinct(flatten(list(cells.model_links)))) AS links
    FROM cells
    JOIN spellings
      ON spellings.paper_key IS NOT DISTINCT FROM cells.paper_key AND spellings.model_name = cells.model_name
    GROUP BY spellings.model_id
)

SELECT * FROM final
