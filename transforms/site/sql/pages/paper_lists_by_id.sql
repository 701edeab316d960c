-- What a paper page lists (site_paper_pages' JSON), by paper id.
SELECT paper_id, page
FROM site_paper_pages
WHERE paper_id = $id
