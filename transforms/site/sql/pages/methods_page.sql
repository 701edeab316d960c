-- One page of the method catalogue, by name.
SELECT method_id, name, full_name, introduced_year, num_papers
FROM site_methods
WHERE pos > $offset AND pos <= $offset + $limit
ORDER BY pos
