-- The tasks nested under a task.
SELECT task_id, name, results
FROM site_tasks
WHERE task_id IN (SELECT task_id FROM tasks WHERE list_contains(parent_task_ids, $id))
ORDER BY results DESC, lower(name)
