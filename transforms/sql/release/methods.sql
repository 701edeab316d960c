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
    -- One record per method by the total order of papers.sql: file rank, fields filled, then
    -- content (md5 of the record's fields).
    QUALIFY row_number() OVER (
        PARTITION BY pwc_url
        ORDER BY
            source_rank,
            (full_name IS NOT NULL)::INTEGER + (description IS NOT NULL)::INTEGER
                + (paper_url IS NOT NULL)::INTEGER + (introduced_year IS NOT NULL)::INTEGER
                + (source_url IS NOT NULL)::INTEGER + (code_snippet_url IS NOT NULL)::INTEGER
                + (num_papers IS NOT NULL)::INTEGER + (len(collections) > 0)::INTEGER DESC,
            md5(concat_ws(chr(31), name, full_name, description, paper_title, paper_url,
                          introduced_year_raw, source_url, source_title, code_snippet_url, num_papers,
                          CAST(collections AS VARCHAR)))
    ) = 1
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
