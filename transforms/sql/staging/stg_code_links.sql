-- Staging: one row per record of links-between-papers-and-code dumps, identity derived.
WITH links AS (
    SELECT * FROM raw_code_links
),

cleaned AS (
    SELECT
        source,
        source_rank,
        coalesce(clean_arxiv_id(paper_arxiv_id), arxiv_from_url(paper_url_abs)) AS arxiv_id,
        nullif(clean_name(paper_title), '') AS paper_title,
        nullif(trim(paper_url_abs), '') AS url_abs,
        nullif(trim(paper_url_pdf), '') AS url_pdf,
        nullif(trim(paper_url), '') AS pwc_url,
        norm_url(repo_url) AS repo_url,
        is_official,
        mentioned_in_paper,
        mentioned_in_github,
        nullif(trim(framework), '') AS framework
    FROM links
    WHERE nullif(trim(repo_url), '') IS NOT NULL
)

SELECT
    *,
    paper_key(arxiv_id, coalesce(url_abs, pwc_url), paper_title) AS paper_key
FROM cleaned
