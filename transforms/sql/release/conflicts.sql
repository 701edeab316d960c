-- conflicts: one row per result whose identity (task, dataset, paper, model, metric) has more than
-- one value: every value of a disputed identity, each with its sources. Key: result_id.
WITH final AS (
    SELECT
        result_id,
        identity_id,
        task_id,
        dataset_id,
        paper_id,
        model_id,
        metric_id,
        value,
        value_raw,
        count(*) OVER (PARTITION BY identity_id) AS values_in_identity,
        source,
        sources,
        submission_id
    FROM results
    WHERE is_conflict
)

SELECT * FROM final
