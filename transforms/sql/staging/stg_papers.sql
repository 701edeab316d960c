-- Staging: one row per record of papers-with-abstracts dumps, identity derived.
WITH papers AS (
    SELECT * FROM raw_papers
),

cleaned AS (
    SELECT
        source,
        source_rank,
        coalesce(clean_arxiv_id(arxiv_id), arxiv_from_url(url_abs)) AS arxiv_id,
        nullif(clean_name(title), '') AS title,
        nullif(trim(abstract), '') AS abstract,
        authors,
        try_cast(nullif(trim(date), '') AS DATE) AS published,
        nullif(trim(url_abs), '') AS url_abs,
        nullif(trim(url_pdf), '') AS url_pdf,
        nullif(trim(paper_url), '') AS pwc_url,
        nullif(clean_name(proceeding), '') AS proceeding
    FROM papers
)

SELECT
    *,
    paper_key(arxiv_id, coalesce(url_abs, pwc_url), title) AS paper_key
FROM cleaned
