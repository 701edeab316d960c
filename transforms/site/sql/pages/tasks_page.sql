-- One page of the task catalogue, by name.
SELECT task_id, name, categories, results, datasets, papers, subtasks
FROM site_tasks
WHERE pos > $offset AND pos <= $offset + $limit
ORDER BY pos
