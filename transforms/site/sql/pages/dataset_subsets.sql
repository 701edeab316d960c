-- The subdatasets of a dataset.
SELECT dataset_id, name, results
FROM site_datasets
WHERE parent_dataset_id = $id
ORDER BY lower(name)
