-- The release compared with (ATTACHed as ref), schema 1.2 and later: metrics and models are
-- deduplicated, so a submitted metric matches by its registry key and a paper's model by its
-- folded name (model_aliases' rule); a model without a paper by its name.
CREATE OR REPLACE TEMP VIEW ref_info AS SELECT true AS has_reference, true AS deduplicated;
CREATE OR REPLACE TEMP VIEW ref_metric_keys AS SELECT metric_id, name, name_key AS match_key FROM ref.metrics;
-- A paper's model is also found under the folded name of any spelling the release archived for it
-- (model_aliases): the model-identity rules join more than folded names. The folding is Python's
-- (name_key), so validate.py fills ref_alias_keys for the papers a batch names.
CREATE OR REPLACE TEMP TABLE ref_alias_keys (model_id VARCHAR, match_key VARCHAR);
CREATE OR REPLACE TEMP VIEW ref_model_keys AS
    SELECT model_id, CASE WHEN paper_id IS NULL THEN 'name:' || name ELSE paper_id || chr(31) || name_key END AS match_key
    FROM ref.models
    UNION
    SELECT model_id, match_key FROM ref_alias_keys;
CREATE OR REPLACE TEMP VIEW ref_results AS SELECT result_id, identity_id, value, value_raw FROM ref.results;
-- A metric is known under its canonical name and under every spelling folded into it.
CREATE OR REPLACE TEMP VIEW ref_metric_names AS
    SELECT name FROM ref.metrics UNION SELECT clean_name(unnest(raw_names)) FROM ref.metrics;
