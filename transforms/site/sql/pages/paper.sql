-- One paper (papers is sorted by paper_id: a point read).
SELECT paper_id, arxiv_id, title, abstract, authors, published, url_abs, url_pdf, pwc_url, proceeding
FROM papers
WHERE paper_id = $id
