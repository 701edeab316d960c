-- What a paper page lists (site_paper_pages' JSON), by row number; the caller checks paper_id.
SELECT paper_id, page
FROM site_paper_pages
WHERE rowid BETWEEN $first AND $last
