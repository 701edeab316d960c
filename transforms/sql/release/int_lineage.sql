-- Internal (not published): one row per (entity, id, lineage_id): for every active id of this
-- release, which earlier ids live on as it. id_registry.sql resolves every id the previous
-- release knew through it, and id_redirects.sql lists the ones that now point elsewhere.
--   * every active id is its own lineage (one SELECT per entity table: ENTITY_TABLES in
--     transforms/release/schema.py, a test checks the list, plus results' identity ids);
--   * a metric or a model: the ids of its spellings (each spelling's id on its own) and, for a
--     metric, the id of its canonical name;
--   * a result (and its identity): the previous release's results (prev_results) whose model (the
--     one the result's own spelling belongs to now, else its model's merge) and metric resolve to
--     this result's, with the same task, dataset, paper and value. Results are derived from models
--     and metrics, so their lineage follows the previous release's rows through the merges instead
--     of enumerating spellings.
WITH active AS (
    SELECT 'papers' AS entity, paper_id AS id, paper_id AS lineage_id FROM papers
    UNION ALL SELECT 'tasks', task_id, task_id FROM tasks
    UNION ALL SELECT 'datasets', dataset_id, dataset_id FROM datasets
    UNION ALL SELECT 'metrics', metric_id, metric_id FROM metrics
    UNION ALL SELECT 'models', model_id, model_id FROM models
    UNION ALL SELECT 'model_aliases', alias_id, alias_id FROM model_aliases
    UNION ALL SELECT 'results', result_id, result_id FROM results
    UNION ALL SELECT 'code_links', code_link_id, code_link_id FROM code_links
    UNION ALL SELECT 'methods', method_id, method_id FROM methods
    UNION ALL SELECT 'submissions', submission_id, submission_id FROM submissions
    UNION ALL SELECT DISTINCT 'result_identities', identity_id, identity_id FROM results
),

spellings AS (
    SELECT 'metrics' AS entity, metric_id AS id, spelling_id AS lineage_id FROM int_metric_spellings
    -- The id a metric gets from its canonical name when no release published it yet.
    UNION ALL SELECT 'metrics', metric_id, make_id('met', canonical_name) FROM int_metric_spellings
    UNION ALL SELECT 'models', model_id, spelling_id FROM int_model_spellings
),

parts AS (
    SELECT * FROM active WHERE entity IN ('models', 'metrics')
    UNION ALL
    SELECT * FROM spellings
),

targets AS (
    SELECT entity, lineage_id, min(id) AS target FROM parts GROUP BY entity, lineage_id
),

-- Where a model or metric id the previous release knew lives now: itself when still active,
-- the entity whose lineage holds it, or (for an id that was already redirected) its target's.
part_map AS (
    SELECT prev.entity, prev.id AS old_id, coalesce(direct.target, via.target) AS new_id
    FROM prev_ids AS prev
    LEFT JOIN targets AS direct ON direct.entity = prev.entity AND direct.lineage_id = prev.id
    LEFT JOIN targets AS via ON via.entity = prev.entity AND via.lineage_id = prev.current_id
    WHERE prev.entity IN ('models', 'metrics')
),

-- The previous release's results, moved onto the merged model and metric ids. A result follows the
-- model its own spelling belongs to now (model_aliases), so a spelling that a rule change takes out
-- of a merged model (the guard) takes its results along; else the model's merge.
moved AS (
    SELECT
        prev.result_id,
        prev.identity_id,
        coalesce('v:' || CAST(prev.value AS VARCHAR), 'raw:' || coalesce(prev.value_raw, '')) AS value_key,
        identity_of(prev.task_id, prev.dataset_id, prev.paper_id,
                    coalesce(spelling.model_id, models.new_id, prev.model_id),
                    coalesce(metrics.new_id, prev.metric_id))
            AS new_identity
    FROM prev_results AS prev
    LEFT JOIN model_aliases AS spelling
      ON spelling.paper_id IS NOT DISTINCT FROM prev.paper_id AND spelling.name_raw = prev.model_name_raw
    LEFT JOIN part_map AS models ON models.entity = 'models' AND models.old_id = prev.model_id
    LEFT JOIN part_map AS metrics ON metrics.entity = 'metrics' AND metrics.old_id = prev.metric_id
),

result_lineage AS (
    SELECT 'results' AS entity, current.result_id AS id, moved.result_id AS lineage_id
    FROM moved
    JOIN results AS current
      ON current.result_id = make_id('res', moved.new_identity || chr(31) || moved.value_key)
    UNION ALL
    SELECT 'result_identities', current.identity_id, moved.identity_id
    FROM moved
    JOIN (SELECT DISTINCT identity_id FROM results) AS current ON current.identity_id = moved.new_identity
)

SELECT DISTINCT * FROM (
    SELECT * FROM active
    UNION ALL SELECT * FROM spellings
    UNION ALL SELECT * FROM result_lineage
)
