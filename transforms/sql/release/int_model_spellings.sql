-- Internal (not published): one row per (paper, trimmed model name) spelling, with the model it
-- belongs to. Spellings of one paper with the same group key (model_keys, from
-- transforms.normalize.model_identity: the reviewed rules and the guard; never across papers) are
-- one model. The model keeps the id an earlier release published for one of its spellings (the
-- first published); a new model takes the id of its most used spelling. merge_rule names the rule
-- that joined the spelling to the model's canonical spelling (NULL for the canonical one).
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
        keys.stage_groups,
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

with_canonical AS (
    SELECT
        keyed.*,
        chosen.model_id,
        chosen.canonical_name,
        chosen.spellings,
        canonical.name_key AS canonical_name_key,
        -- The first rule after which this spelling and the canonical one share a group.
        list_position(
            list_transform(
                range(1, len(keyed.stage_groups) + 1),
                i -> keyed.stage_groups[i] = canonical.stage_groups[i]
            ),
            true
        ) AS merge_stage
    FROM keyed
    JOIN chosen
      ON chosen.paper_key IS NOT DISTINCT FROM keyed.paper_key AND chosen.group_key = keyed.group_key
    JOIN keyed AS canonical
      ON canonical.paper_key IS NOT DISTINCT FROM keyed.paper_key AND canonical.model_name = chosen.canonical_name
),

final AS (
    SELECT
        with_canonical.paper_key,
        with_canonical.model_name,
        with_canonical.cells,
        with_canonical.name_key,
        with_canonical.group_key,
        with_canonical.stage_groups,
        with_canonical.spelling_id,
        with_canonical.model_id,
        with_canonical.canonical_name,
        with_canonical.canonical_name_key,
        with_canonical.spellings,
        CASE WHEN with_canonical.model_name <> with_canonical.canonical_name THEN rules.rule END AS merge_rule
    FROM with_canonical
    LEFT JOIN model_rule_names AS rules ON rules.stage = with_canonical.merge_stage
)

SELECT * FROM final
