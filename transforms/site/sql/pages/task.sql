-- One task with its parent's name.
SELECT t.task_id, t.name, t.description, t.categories, t.synonyms, t.parent_task_id, p.name AS parent_name,
    s.results, s.datasets, s.papers
FROM tasks AS t
LEFT JOIN site_tasks AS s USING (task_id)
LEFT JOIN tasks AS p ON p.task_id = t.parent_task_id
WHERE t.task_id = $id
