-- methods: one row per method (its paperswithcode URL). Key: method_id. The introducing paper is
-- linked when papers knows it (by its paperswithcode URL or landing page).
WITH methods AS (
    SELECT * FROM stg_methods
),

paper_urls AS (
    SELECT DISTINCT paper_id, norm_url(pwc_url) AS url FROM papers WHERE pwc_url IS NOT NULL
    UNION
    SELECT DISTINCT paper_id, url_abs AS url FROM papers WHERE url_abs IS NOT NULL
),

one_per_method AS (
    SELECT *
    FROM methods
    QUALIFY row_number() OVER (PARTITION BY pwc_url ORDER BY source_rank) = 1
),

final AS (
    SELECT
        make_id('mth', m.pwc_url) AS method_id,
        m.name,
        m.full_name,
        m.description,
        (SELECT min(p.paper_id) FROM paper_urls AS p WHERE p.url = norm_url(m.paper_url)) AS paper_id,
        m.paper_title,
        m.paper_url,
        m.introduced_year,
        m.introduced_year_raw,
        m.source_url,
        m.source_title,
        m.code_snippet_url,
        m.num_papers,
        m.collections,
        m.pwc_url
    FROM one_per_method AS m
)

SELECT * FROM final
