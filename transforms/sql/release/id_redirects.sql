-- id_redirects: one row per published id that now resolves to another id (old -> new, one hop),
-- why, and the release that first redirected it. Key: old_id.
WITH merged AS (
    SELECT * FROM id_registry WHERE status = 'merged'
),

build AS (
    SELECT release_id FROM build_info
),

-- A model spelling merged by a rule of transforms/normalize/model_identity.py says which rule.
model_reasons AS (
    SELECT spellings.spelling_id AS id, 'model spellings merged (' || rules.rule || '): ' || rules.reason AS reason
    FROM int_model_spellings AS spellings
    JOIN model_rule_names AS rules ON rules.rule = spellings.merge_rule
),

reasons AS (
    SELECT * FROM (VALUES
        ('models', 'model spellings merged: the same model of one paper, written with different case, spacing or punctuation'),
        ('model_aliases', 'model spellings merged'),
        ('metrics', 'metric spellings folded into one canonical metric (metric registry)'),
        ('results', 'result merged: its model or metric was merged with another'),
        ('result_identities', 'identity merged: its model or metric was merged with another')
    ) AS r(entity, reason)
),

final AS (
    SELECT
        merged.id AS old_id,
        merged.current_id AS new_id,
        merged.entity,
        -- An earlier redirect keeps its reason and release; only its target follows later merges.
        coalesce(earlier.reason, model_reasons.reason, reasons.reason, 'merged with another ' || merged.entity || ' row')
            AS reason,
        coalesce(earlier.release, (SELECT release_id FROM build)) AS release
    FROM merged
    LEFT JOIN prev_redirects AS earlier ON earlier.old_id = merged.id
    LEFT JOIN model_reasons ON merged.entity = 'models' AND model_reasons.id = merged.id
    LEFT JOIN reasons ON reasons.entity = merged.entity
)

SELECT * FROM final
