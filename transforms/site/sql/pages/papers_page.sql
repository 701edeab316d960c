-- One page of the paper catalogue, newest first.
SELECT paper_id, title, published, proceeding
FROM site_papers_by_date
WHERE pos > $offset AND pos <= $offset + $limit
ORDER BY pos
