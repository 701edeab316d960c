-- site_papers_by_date: every paper, newest first (`pos` 1 = newest), for the paper catalogue's pages.
SELECT
    row_number() OVER (ORDER BY published DESC NULLS LAST, paper_id) AS pos,
    paper_id,
    title,
    published,
    proceeding
FROM papers
ORDER BY pos
