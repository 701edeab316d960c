-- Staging: one row per record of methods dumps. introduced_year 2000 is PwC's placeholder.
WITH methods AS (
    SELECT * FROM raw_methods
)

SELECT
    source,
    source_rank,
    norm_url(url) AS pwc_url,
    clean_name(name) AS name,
    nullif(clean_name(full_name), '') AS full_name,
    nullif(trim(description), '') AS description,
    nullif(clean_name(paper.title), '') AS paper_title,
    nullif(trim(paper.url), '') AS paper_url,
    try_cast(introduced_year AS INTEGER) AS introduced_year_raw,
    nullif(try_cast(introduced_year AS INTEGER), 2000) AS introduced_year,
    nullif(trim(source_url), '') AS source_url,
    nullif(clean_name(source_title), '') AS source_title,
    nullif(trim(code_snippet_url), '') AS code_snippet_url,
    try_cast(num_papers AS INTEGER) AS num_papers,
    coalesce(collections, []) AS collections
FROM methods
WHERE nullif(trim(url), '') IS NOT NULL
