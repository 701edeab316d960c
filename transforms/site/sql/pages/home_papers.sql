-- Recent papers for the home page: the newest with a title.
SELECT paper_id, title, published, proceeding
FROM site_papers_by_date
WHERE title IS NOT NULL
ORDER BY pos
LIMIT $limit
