-- code_links: one row per (paper, repository URL). Key: code_link_id. From the links dump
-- (with official/framework flags) and from leaderboard rows' code links.
WITH from_links AS (
    SELECT paper_key, repo_url, is_official, framework, mentioned_in_paper, mentioned_in_github,
           source, source_rank, 1 AS priority
    FROM stg_code_links
),

-- A leaderboard cell may hold a mangled markdown pair of links ('a) [b](c'): every URL written
-- in it becomes a link; nothing is invented.
link_cells AS (
    SELECT paper_key, source, source_rank, unnest(code_links) AS link FROM stg_results
),

from_results AS (
    SELECT paper_key, norm_url(url) AS repo_url, NULL::BOOLEAN AS is_official,
           NULL AS framework, NULL::BOOLEAN AS mentioned_in_paper, NULL::BOOLEAN AS mentioned_in_github,
           source, source_rank, 2 AS priority
    FROM (
        SELECT *, unnest(regexp_extract_all(link.url, 'https?://[^\s()\[\]<>"]+')) AS url FROM link_cells
    )
),

all_links AS (
    SELECT * FROM from_links
    UNION ALL BY NAME SELECT * FROM from_results
),

-- One record speaks for a link, by the total order of papers.sql: source kind, file rank, fields
-- filled, then content (md5 of the record's fields); a field it lacks falls back to the next.
-- The order is one sortable key per record, and each field the arg_min of it (one aggregation,
-- no window over the links first).
ranked AS (
    SELECT
        *,
        (
            priority,
            source_rank,
            -((is_official IS NOT NULL)::INTEGER + (framework IS NOT NULL)::INTEGER
              + (mentioned_in_paper IS NOT NULL)::INTEGER + (mentioned_in_github IS NOT NULL)::INTEGER),
            md5(concat_ws(chr(31), is_official, framework, mentioned_in_paper, mentioned_in_github))
        ) AS record_rank
    FROM all_links
),

final AS (
    SELECT
        make_id('cod', coalesce(paper_key, '') || chr(31) || repo_url) AS code_link_id,
        CASE WHEN paper_key IS NOT NULL THEN make_id('pap', paper_key) END AS paper_id,
        repo_url,
        nullif(regexp_extract(repo_url, '^https://github\.com/([^/]+/[^/?#]+)', 1), '') AS repo_name,
        arg_min(is_official, record_rank) FILTER (WHERE is_official IS NOT NULL) AS is_official,
        arg_min(framework, record_rank) FILTER (WHERE framework IS NOT NULL) AS framework,
        arg_min(mentioned_in_paper, record_rank) FILTER (WHERE mentioned_in_paper IS NOT NULL) AS mentioned_in_paper,
        arg_min(mentioned_in_github, record_rank) FILTER (WHERE mentioned_in_github IS NOT NULL) AS mentioned_in_github,
        list_sort(list_distinct(list(source))) AS sources
    FROM ranked
    GROUP BY paper_key, repo_url
)

SELECT * FROM final
