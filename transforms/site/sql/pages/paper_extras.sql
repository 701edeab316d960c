-- What a paper page lists besides the paper (see sql/index/site_paper_pages.sql).
SELECT tasks, results, code, related
FROM site_paper_pages
WHERE paper_id = $id
