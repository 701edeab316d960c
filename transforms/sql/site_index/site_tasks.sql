-- site_tasks: one row per task with what its catalogue entry shows. Sorted by name.
WITH counts AS (
    SELECT
        task_id,
        count(*) AS results,
        count(DISTINCT dataset_id) AS datasets,
        count(DISTINCT paper_id) AS papers
    FROM site_results
    GROUP BY task_id
),

parents AS (
    SELECT unnest(parent_task_ids) AS task_id FROM tasks
),

children AS (
    SELECT task_id, count(*) AS subtasks FROM parents GROUP BY task_id
),

final AS (
    SELECT
        t.task_id,
        t.name,
        t.categories,
        t.parent_task_id,
        coalesce(c.results, 0) AS results,
        coalesce(c.datasets, 0) AS datasets,
        coalesce(c.papers, 0) AS papers,
        coalesce(ch.subtasks, 0) AS subtasks
    FROM tasks AS t
    LEFT JOIN counts AS c USING (task_id)
    LEFT JOIN children AS ch USING (task_id)
)

SELECT row_number() OVER (ORDER BY lower(name), task_id) AS pos, * FROM final
ORDER BY pos
