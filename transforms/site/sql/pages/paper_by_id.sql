-- One paper by its id (papers is sorted by paper_id: its blocks' min/max find it).
SELECT paper_id, arxiv_id, title, abstract, authors, CAST(published AS VARCHAR) AS published, url_abs, url_pdf,
    proceeding
FROM papers
WHERE paper_id = $id
