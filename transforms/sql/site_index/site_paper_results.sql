-- site_paper_results: the Results table of every paper page (Task, Dataset, Metric, Value, Model),
-- one row per shown result, `position` giving its order on the page. Sorted by paper.
-- What the Papers With Code 2 pages show (docs/seeds): the metric as the leaderboard spelled it
-- ('PPL'; metrics.name is the canonical 'Perplexity'); the official dump and accepted community
-- submissions, not the community leaderboard files bundled beside the dump (those are on the
-- leaderboard pages); parameter counts are model metadata there, not results.
-- Order: the paper's tasks and datasets with the most results first, then models by their best
-- rank on that dataset, then the dataset's most used metrics first.
WITH shown AS (
    SELECT r.*
    FROM site_results AS r
    WHERE r.paper_id IS NOT NULL
      AND (r.source LIKE 'evaluation-tables%' OR r.source = 'submission')
      AND r.metric NOT ILIKE '%param%'
),

board_sizes AS (
    SELECT
        task_id,
        dataset_id,
        metric_id,
        count(*) AS metric_results,
        sum(count(*)) OVER (PARTITION BY task_id, dataset_id) AS dataset_results,
        sum(count(*)) OVER (PARTITION BY task_id) AS task_results
    FROM site_results
    GROUP BY task_id, dataset_id, metric_id
),

model_best AS (
    SELECT paper_id, task_id, dataset_id, model_id, min(rank) AS best_rank
    FROM shown
    GROUP BY ALL
),

final AS (
    SELECT
        s.paper_id,
        row_number() OVER (
            PARTITION BY s.paper_id
            ORDER BY b.task_results DESC, s.task, b.dataset_results DESC, s.dataset,
                mb.best_rank NULLS LAST, s.model, b.metric_results DESC, s.metric_label, s.result_id
        ) AS position,
        s.task_id,
        s.task,
        s.dataset_id,
        s.dataset,
        s.metric_id,
        s.metric_label AS metric,
        s.value,
        s.value_raw,
        s.value_flag,
        s.model_id,
        s.model,
        s.rank,
        s.is_conflict,
        s.source
    FROM shown AS s
    JOIN board_sizes AS b USING (task_id, dataset_id, metric_id)
    JOIN model_best AS mb USING (paper_id, task_id, dataset_id, model_id)
)

SELECT * FROM final
ORDER BY paper_id, position
