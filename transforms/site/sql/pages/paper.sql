-- One paper by its row number (rows.py); the caller checks paper_id.
SELECT paper_id, arxiv_id, title, abstract, authors, CAST(published AS VARCHAR) AS published, url_abs, url_pdf,
    proceeding
FROM papers
WHERE rowid BETWEEN $first AND $last
