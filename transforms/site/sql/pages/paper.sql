-- One paper page's data but the abstract (see sql/index/site_paper_pages.sql), as JSON text.
SELECT papers_rowid, page
FROM site_paper_pages
WHERE paper_id = $id
