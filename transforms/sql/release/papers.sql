-- materialized: view
-- papers: one row per paper. Key: paper_id (from arXiv id without version, else URL, else title).
-- Which record speaks for a paper, and in which order records are ranked: int_papers.sql.
-- A view: the narrow fields come from int_papers, the chosen record's abstract and authors are
-- joined from the raw dump last, so 1.4 GB of text is never aggregated, sorted or copied into
-- the work database; the export writes it once, into the release.
WITH chosen AS (
    SELECT * FROM int_papers
),

final AS (
    SELECT
        chosen.paper_id,
        chosen.arxiv_id,
        chosen.title,
        abstracts.abstract,
        authors.authors,
        chosen.published,
        chosen.url_abs,
        chosen.url_pdf,
        chosen.pwc_url,
        chosen.proceeding,
        chosen.sources
    FROM chosen
    LEFT JOIN stg_paper_texts AS abstracts ON abstracts.row_ref = chosen.abstract_ref
    LEFT JOIN stg_paper_texts AS authors ON authors.row_ref = chosen.authors_ref
)

SELECT * FROM final
