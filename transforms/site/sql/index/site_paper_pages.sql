-- site_paper_pages: one row per paper: everything its page shows but the abstract, as one JSON
-- text (the paper's title, authors, date, proceeding and links, its tasks, Results table rows,
-- code links and related papers), and the abstract's row in `papers` (papers_rowid). A paper
-- page is then two point reads of one string each: nested lists or the wide papers row would
-- cost a decoded block of 2,048 of them per read. Sorted by paper.
-- Related papers: papers with results in any of the paper's tasks, newest first (8). A task's 9
-- newest papers are enough candidates: without the paper itself, 8 remain from every task.
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
    SELECT paper_id, list({'task_id': task_id, 'task': task} ORDER BY results DESC, task) AS tasks
    FROM paper_tasks
    GROUP BY paper_id
),

results AS (
    SELECT
        paper_id,
        list({
            'task_id': task_id, 'task': task, 'dataset_id': dataset_id, 'dataset': dataset,
            'metric_id': metric_id, 'metric': metric, 'value': value, 'value_raw': value_raw,
            'value_flag': value_flag, 'model_id': model_id, 'model': model, 'rank': rank,
            'is_conflict': is_conflict
        } ORDER BY position) AS results
    FROM site_paper_results
    GROUP BY paper_id
),

code AS (
    SELECT
        paper_id,
        list({
            'repo_url': repo_url, 'repo_name': repo_name, 'is_official': is_official, 'framework': framework
        } ORDER BY position) AS code
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
        list({'paper_id': related_id, 'title': title, 'published': published}
            ORDER BY published DESC NULLS LAST, related_id)[:8] AS related
    FROM candidates
    GROUP BY paper_id
),

final AS (
    SELECT
        p.paper_id,
        p.rowid AS papers_rowid,
        CAST(to_json({
            'paper': {
                'paper_id': p.paper_id, 'arxiv_id': p.arxiv_id, 'title': p.title, 'authors': p.authors,
                'published': CAST(p.published AS VARCHAR), 'url_abs': p.url_abs, 'url_pdf': p.url_pdf,
                'proceeding': p.proceeding
            },
            'tasks': coalesce(tasks.tasks, []),
            'results': coalesce(results.results, []),
            'code': coalesce(code.code, []),
            'related': coalesce(related.related, [])
        }) AS VARCHAR) AS page
    FROM papers AS p
    LEFT JOIN tasks USING (paper_id)
    LEFT JOIN results USING (paper_id)
    LEFT JOIN code USING (paper_id)
    LEFT JOIN related USING (paper_id)
)

SELECT * FROM final
ORDER BY paper_id
