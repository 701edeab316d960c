-- Internal (not published): one row per trimmed metric spelling, with the canonical metric it
-- belongs to and that metric's id. Spellings meet under the registry's key (metric_names, filled
-- by transforms.normalize from the metric registry). A metric keeps the id an earlier release
-- published for it (the one first published, when merged spellings had several); a metric never
-- published before gets the id of its canonical name.
WITH spellings AS (
    SELECT metric_name, count(*) AS cells
    FROM stg_results
    GROUP BY metric_name
),

named AS (
    SELECT
        spellings.metric_name,
        spellings.cells,
        names.metric_key,
        names.is_known,
        names.canonical_name,
        make_id('met', spellings.metric_name) AS spelling_id
    FROM spellings
    JOIN metric_names AS names USING (metric_name)
),

groups AS (
    SELECT
        metric_key,
        -- The registry's name; for a metric it does not know, the most used spelling.
        first(CASE WHEN is_known THEN canonical_name ELSE metric_name END ORDER BY cells DESC, metric_name)
            AS canonical_name
    FROM named
    GROUP BY metric_key
),

candidates AS (
    SELECT metric_key, spelling_id AS id, cells FROM named
    UNION ALL
    SELECT metric_key, make_id('met', canonical_name) AS id, 0 AS cells FROM groups
),

published AS (
    SELECT id, first_release FROM prev_ids WHERE entity = 'metrics' AND status = 'active'
),

kept AS (
    SELECT
        candidates.metric_key,
        first(candidates.id ORDER BY release_order(published.first_release), candidates.cells DESC, candidates.id)
            AS kept_id
    FROM candidates
    JOIN published USING (id)
    GROUP BY candidates.metric_key
),

final AS (
    SELECT
        named.metric_name,
        named.metric_key,
        named.spelling_id,
        named.cells,
        groups.canonical_name,
        coalesce(kept.kept_id, make_id('met', groups.canonical_name)) AS metric_id
    FROM named
    JOIN groups USING (metric_key)
    LEFT JOIN kept USING (metric_key)
)

SELECT * FROM final
