-- Internal (not published): one row per (paper, trimmed model name) spelling, with the model it
-- belongs to. Spellings of one paper with the same group key (model_keys, from
-- transforms.normalize.models: case, spacing and meaningless punctuation folded; never across
-- papers) are one model. The model keeps the id an earlier release published for one of its
-- spellings (the first published); a new model takes the id of its most used spelling.
WITH spellings AS (
    SELECT paper_key, model_name, count(*) AS cells
    FROM stg_results
    GROUP BY paper_key, model_name
),

keyed AS (
    SELECT
        spellings.paper_key,
        spellings.model_name,
        spellings.cells,
        keys.name_key,
        keys.group_key,
        make_id('mdl', coalesce(spellings.paper_key, '') || chr(31) || spellings.model_name) AS spelling_id
    FROM spellings
    JOIN model_keys AS keys
      ON keys.paper_key IS NOT DISTINCT FROM spellings.paper_key AND keys.model_name = spellings.model_name
),

published AS (
    SELECT id, first_release FROM prev_ids WHERE entity = 'models' AND status = 'active'
),

chosen AS (
    SELECT
        keyed.paper_key,
        keyed.group_key,
        first(keyed.spelling_id ORDER BY published.id IS NULL, release_order(published.first_release),
              keyed.cells DESC, keyed.model_name) AS model_id,
        first(keyed.model_name ORDER BY published.id IS NULL, release_order(published.first_release),
              keyed.cells DESC, keyed.model_name) AS canonical_name,
        count(*) AS spellings
    FROM keyed
    LEFT JOIN published ON published.id = keyed.spelling_id
    GROUP BY keyed.paper_key, keyed.group_key
),

final AS (
    SELECT
        keyed.paper_key,
        keyed.model_name,
        keyed.cells,
        keyed.name_key,
        keyed.group_key,
        keyed.spelling_id,
        chosen.model_id,
        chosen.canonical_name,
        chosen.spellings
    FROM keyed
    JOIN chosen
      ON chosen.paper_key IS NOT DISTINCT FROM keyed.paper_key AND chosen.group_key = keyed.group_key
)

SELECT * FROM final
