-- Staging: one row per record of papers-with-abstracts dumps, narrow: identity derived, names
-- cleaned, and whether the record has an abstract and authors. The wide text itself stays in
-- raw_papers (see stg_paper_texts): row_ref is the record's row there.
WITH papers AS (
    SELECT
        rowid AS row_ref,
        source, source_rank, arxiv_id, title, date, url_abs, url_pdf, paper_url, proceeding,
        -- stg_paper_texts' rule (blank is no abstract), looking at the head of the text first.
        CASE WHEN abstract IS NULL THEN false
             WHEN trim(left(abstract, 64)) <> '' THEN true
             ELSE trim(abstract) <> '' END AS has_abstract,
        authors IS NOT NULL AS has_authors
    FROM raw_papers
),

cleaned AS (
    SELECT
        row_ref,
        source,
        source_rank,
        coalesce(clean_arxiv_id(arxiv_id), arxiv_from_url(url_abs)) AS arxiv_id,
        nullif(clean_name(title), '') AS title,
        has_abstract,
        has_authors,
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
