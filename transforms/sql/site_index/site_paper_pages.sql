-- site_paper_pages: one row per paper that has results, code or related papers, holding what
-- its page lists besides the paper itself, as one JSON text: {"tasks": [[task_id, task]],
-- "results": [[task_id, task, dataset_id, dataset, metric_id, metric, value, value_raw,
-- value_flag, model_id, model, is_conflict]], "code": [[repo_url, repo_name, is_official,
-- framework]], "related": [[paper_id, title, published]]} (rows as arrays: the keys would be
-- most of the bytes). One string per page: nested lists would decode a block of 2,048 of them
-- per read. Sorted by paper, as papers is.
WITH shown_tasks AS (
    SELECT paper_id, task_id, any_value(task) AS task, count(*) AS results
    FROM site_paper_results
    GROUP BY paper_id, task_id
),

all_tasks AS (
    SELECT paper_id, task_id, any_value(task) AS task, count(*) AS results
    FROM site_results
    WHERE paper_id IS NOT NULL
    GROUP BY paper_id, task_id
),

-- A paper's tasks: those of its Results table (what the seed pages list), else, for a paper
-- whose results come only from the community leaderboard files, those of all its results.
paper_tasks AS (
    SELECT * FROM shown_tasks
    UNION ALL
    SELECT * FROM all_tasks AS a
    WHERE NOT EXISTS (SELECT 1 FROM shown_tasks AS s WHERE s.paper_id = a.paper_id)
),

tasks AS (
    SELECT paper_id, list(json_array(task_id, task) ORDER BY results DESC, task) AS tasks
    FROM paper_tasks
    GROUP BY paper_id
),

results AS (
    SELECT
        paper_id,
        list(json_array(
            task_id, task, dataset_id, dataset, metric_id, metric, value,
            CASE WHEN value IS NULL THEN value_raw END, value_flag, model_id, model, is_conflict
        ) ORDER BY position) AS results
    FROM site_paper_results
    GROUP BY paper_id
),

code AS (
    SELECT
        paper_id,
        list(json_array(repo_url, repo_name, is_official, framework) ORDER BY position) AS code
    FROM site_code_links
    GROUP BY paper_id
),

task_newest AS (
    SELECT task_id, paper_id, title, published
    FROM site_task_papers
    QUALIFY row_number() OVER (PARTITION BY task_id ORDER BY published DESC NULLS LAST, paper_id) <= 9
),

candidates AS (
    SELECT DISTINCT pt.paper_id, tn.paper_id AS related_id, tn.title, tn.published
    FROM paper_tasks AS pt
    JOIN task_newest AS tn ON tn.task_id = pt.task_id AND tn.paper_id <> pt.paper_id
),

related AS (
    SELECT
        paper_id,
        list(json_array(related_id, title, CAST(published AS VARCHAR))
            ORDER BY published DESC NULLS LAST, related_id)[:8] AS related
    FROM candidates
    GROUP BY paper_id
),

final AS (
    SELECT
        paper_id,
        CAST(to_json({
            'tasks': coalesce(tasks.tasks, []),
            'results': coalesce(results.results, []),
            'code': coalesce(code.code, []),
            'related': coalesce(related.related, [])
        }) AS VARCHAR) AS page
    FROM tasks
    FULL JOIN results USING (paper_id)
    FULL JOIN code USING (paper_id)
    FULL JOIN related USING (paper_id)
)

SELECT * FROM final
ORDER BY paper_id
