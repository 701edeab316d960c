-- id_registry: one row per id ever published, with its life: first and last release, status and
-- where it resolves now. Key: id.
--   * int_lineage (sql/release/int_lineage.sql) lists every active id of this release and the ids its
--     rows had before merging (its spellings' own ids);
--   * prev_ids is the previous release's registry (transforms/tables/previous.py).
-- A previous id that is not active any more resolves to the entity whose lineage holds it (merged);
-- failing that, through the previous release's own redirect; else it is removed.
WITH lineage AS (
    SELECT * FROM int_lineage
),

build AS (
    SELECT release_id FROM build_info
),

active AS (
    SELECT DISTINCT entity, id FROM lineage
),

by_lineage AS (
    -- A lineage id shared by two entities (a split) resolves to the first by id: deterministic.
    SELECT entity, lineage_id, min(id) AS target
    FROM lineage
    GROUP BY entity, lineage_id
),

gone AS (
    SELECT prev.*
    FROM prev_ids AS prev
    ANTI JOIN active ON active.entity = prev.entity AND active.id = prev.id
),

resolved AS (
    SELECT
        gone.id,
        gone.entity,
        gone.first_release,
        -- The last release it was a row of: the previous release's last_release for it.
        gone.last_release,
        coalesce(direct.target, via_active.id, via_lineage.target) AS current_id
    FROM gone
    LEFT JOIN by_lineage AS direct
      ON direct.entity = gone.entity AND direct.lineage_id = gone.id
    LEFT JOIN active AS via_active
      ON via_active.entity = gone.entity AND via_active.id = gone.current_id
    LEFT JOIN by_lineage AS via_lineage
      ON via_lineage.entity = gone.entity AND via_lineage.lineage_id = gone.current_id
),

final AS (
    SELECT
        active.id,
        active.entity,
        coalesce(prev.first_release, (SELECT release_id FROM build)) AS first_release,
        (SELECT release_id FROM build) AS last_release,
        'active' AS status,
        active.id AS current_id
    FROM active
    LEFT JOIN prev_ids AS prev ON prev.entity = active.entity AND prev.id = active.id
    UNION ALL
    SELECT
        id,
        entity,
        first_release,
        last_release,
        CASE WHEN current_id IS NULL THEN 'removed' ELSE 'merged' END AS status,
        current_id
    FROM resolved
)

SELECT * FROM final
