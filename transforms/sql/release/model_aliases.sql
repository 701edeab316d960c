-- model_aliases: one row per (paper, raw model spelling), pointing to its deduplicated model.
-- Key: alias_id. spelling_id is the id the spelling would have on its own: a published one that is
-- not the model's id resolves through id_redirects.
WITH cells AS (
    SELECT * FROM stg_results
),

spellings AS (
    SELECT * FROM int_model_spellings
),

final AS (
    SELECT
        make_id('mal', coalesce(cells.paper_key, '') || chr(31) || cells.model_name_raw) AS alias_id,
        any_value(spellings.model_id) AS model_id,
        CASE WHEN any_value(cells.paper_key) IS NOT NULL THEN make_id('pap', any_value(cells.paper_key)) END
            AS paper_id,
        cells.model_name_raw AS name_raw,
        any_value(spellings.spelling_id) AS spelling_id,
        count(*) AS result_cells
    FROM cells
    JOIN spellings
      ON spellings.paper_key IS NOT DISTINCT FROM cells.paper_key AND spellings.model_name = cells.model_name
    GROUP BY cells.paper_key, cells.model_name_raw
)

SELECT * FROM final
