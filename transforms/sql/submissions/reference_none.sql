-- No release to compare with (none published yet, or --against none): the same views, empty.
CREATE OR REPLACE TEMP VIEW ref_info AS SELECT false AS has_reference, false AS deduplicated;
CREATE OR REPLACE TEMP VIEW ref_metric_keys AS
    SELECT NULL::VARCHAR AS metric_id, NULL::VARCHAR AS name, NULL::VARCHAR AS match_key WHERE false;
CREATE OR REPLACE TEMP VIEW ref_model_keys AS
    SELECT NULL::VARCHAR AS model_id, NULL::VARCHAR AS match_key WHERE false;
CREATE OR REPLACE TEMP VIEW ref_results AS
    SELECT NULL::VARCHAR AS result_id, NULL::VARCHAR AS identity_id, NULL::DOUBLE AS value,
           NULL::VARCHAR AS value_raw
    WHERE false;
CREATE OR REPLACE TEMP VIEW ref_metric_names AS SELECT NULL::VARCHAR AS name WHERE false;
