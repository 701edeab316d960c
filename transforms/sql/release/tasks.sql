-- tasks: one row per task name. Key: task_id. A task nested under several parents (the tree is
-- not a tree: 123 top-level tasks reappear as subtasks) keeps all of them in parent_task_ids.
WITH nodes AS (
    SELECT * FROM stg_task_nodes
),

final AS (
    SELECT
        make_id('tsk', task_name) AS task_id,
        task_name AS name,
        first(description ORDER BY length(description) DESC, description) FILTER (WHERE description IS NOT NULL) AS description,
        list_sort(list_distinct(flatten(list(categories)))) AS categories,
        list_sort(list_distinct(list(make_id('tsk', parent_task_name)) FILTER (WHERE parent_task_name IS NOT NULL))) AS parent_task_ids,
        min(parent_task_name) AS first_parent_name,
        list_sort(list_distinct(flatten(list(synonyms)))) AS synonyms,
        list_sort(list_distinct(list(source))) AS sources
    FROM nodes
    GROUP BY task_name
)

SELECT
    task_id,
    name,
    description,
    categories,
    make_id('tsk', first_parent_name) AS parent_task_id,
    parent_task_ids,
    synonyms,
    sources
FROM final
