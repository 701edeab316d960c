-- One page of the dataset catalogue, by name.
SELECT dataset_id, name, full_name, modalities, results, tasks, papers
FROM site_datasets
WHERE pos > $offset AND pos <= $offset + $limit
ORDER BY pos
