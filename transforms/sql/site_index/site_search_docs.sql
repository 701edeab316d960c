-- site_search_docs: one row per searchable thing (task, dataset, model, paper); `doc` is its
-- number in site_search_terms. `popularity` (results, or for papers their results + 1) orders
-- equally good matches.
WITH docs AS (
    SELECT 1 AS kind_order, 'task' AS kind, task_id AS id, name, NULL AS detail, results AS popularity
    FROM site_tasks
    UNION ALL
    SELECT 2, 'dataset', dataset_id, name, full_name, results FROM site_datasets
    UNION ALL
    SELECT 3, 'model', r.model_id, any_value(r.model), any_value(r.paper_title), count(*)
    FROM site_results AS r
    WHERE r.model <> ''
    GROUP BY r.model_id
    UNION ALL
    SELECT 4, 'paper', p.paper_id, p.title, CAST(p.published AS VARCHAR), coalesce(n.results, 0)
    FROM papers AS p
    LEFT JOIN (SELECT paper_id, count(*) AS results FROM results GROUP BY paper_id) AS n USING (paper_id)
    WHERE p.title IS NOT NULL
)

SELECT CAST(row_number() OVER (ORDER BY kind_order, id) AS INTEGER) AS doc, * FROM docs
ORDER BY doc
