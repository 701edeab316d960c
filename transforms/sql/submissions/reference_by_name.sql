-- The release compared with (ATTACHed as ref), schema before 1.2: no deduplicated keys, so names
-- match as spelled.
CREATE OR REPLACE TEMP VIEW ref_info AS SELECT true AS has_reference, false AS deduplicated;
CREATE OR REPLACE TEMP VIEW ref_metric_keys AS SELECT metric_id, name, name AS match_key FROM ref.metrics;
CREATE OR REPLACE TEMP VIEW ref_model_keys AS
    SELECT model_id, CASE WHEN paper_id IS NULL THEN 'name:' || name ELSE paper_id || chr(31) || name END AS match_key
    FROM ref.models;
CREATE OR REPLACE TEMP VIEW ref_results AS SELECT result_id, identity_id, value, value_raw FROM ref.results;
CREATE OR REPLACE TEMP VIEW ref_metric_names AS SELECT name FROM ref.metrics;
