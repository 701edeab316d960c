-- site_datasets: one row per dataset with what its catalogue entry shows. Sorted by name.
WITH counts AS (
    SELECT
        dataset_id,
        count(*) AS results,
        count(DISTINCT task_id) AS tasks,
        count(DISTINCT paper_id) AS papers
    FROM site_results
    GROUP BY dataset_id
),

final AS (
    SELECT
        d.dataset_id,
        d.name,
        d.full_name,
        d.modalities,
        d.parent_dataset_id,
        coalesce(c.results, 0) AS results,
        coalesce(c.tasks, 0) AS tasks,
        coalesce(c.papers, 0) AS papers
    FROM datasets AS d
    LEFT JOIN counts AS c USING (dataset_id)
)

SELECT row_number() OVER (ORDER BY lower(name), dataset_id) AS pos, * FROM final
ORDER BY pos
