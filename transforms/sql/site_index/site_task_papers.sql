-- site_task_papers: one row per (task, paper with a result in it), newest paper first within a
-- task: the related papers of a paper page (papers sharing its tasks, newest first).
SELECT DISTINCT
    r.task_id,
    r.paper_id,
    p.title,
    p.published
FROM results AS r
JOIN papers AS p ON p.paper_id = r.paper_id
ORDER BY r.task_id, p.published DESC NULLS LAST, r.paper_id
