-- One dataset with its parent's name.
SELECT d.dataset_id, d.name, d.full_name, d.description, d.homepage, d.links, d.citations, d.modalities,
    d.license_name, d.parent_dataset_id, p.name AS parent_name, s.results, s.tasks, s.papers
FROM datasets AS d
LEFT JOIN site_datasets AS s USING (dataset_id)
LEFT JOIN datasets AS p ON p.dataset_id = d.parent_dataset_id
WHERE d.dataset_id = $id
