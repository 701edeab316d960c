-- papers: one row per paper. Key: paper_id (from arXiv id without version, else URL, else title).
-- Attributes come from the papers-with-abstracts dump first, then leaderboard rows, then code links.
WITH from_catalog AS (
    SELECT paper_key, arxiv_id, title, abstract, authors, published, url_abs, url_pdf, pwc_url,
           proceeding, source, 1 AS priority, source_rank
    FROM stg_papers
    WHERE paper_key IS NOT NULL
),

from_results AS (
    SELECT paper_key, arxiv_id, paper_title AS title, NULL AS abstract, NULL::VARCHAR[] AS authors,
           paper_date AS published, paper_url_raw AS url_abs, NULL AS url_pdf, NULL AS pwc_url,
           NULL AS proceeding, source, 2 AS priority, source_rank
    FROM stg_results
    WHERE paper_key IS NOT NULL
),

from_links AS (
    SELECT paper_key, arxiv_id, paper_title AS title, NULL AS abstract, NULL::VARCHAR[] AS authors,
           NULL::DATE AS published, url_abs, url_pdf, pwc_url, NULL AS proceeding,
           source, 3 AS priority, source_rank
    FROM stg_code_links
    WHERE paper_key IS NOT NULL
),

all_rows AS (
    SELECT * FROM from_catalog
    UNION ALL BY NAME SELECT * FROM from_results
    UNION ALL BY NAME SELECT * FROM from_links
),

final AS (
    SELECT
        make_id('pap', paper_key) AS paper_id,
        first(arxiv_id ORDER BY priority, source_rank) FILTER (WHERE arxiv_id IS NOT NULL) AS arxiv_id,
        first(title ORDER BY priority, source_rank, title) FILTER (WHERE title IS NOT NULL) AS title,
        first(abstract ORDER BY priority, source_rank) FILTER (WHERE abstract IS NOT NULL) AS abstract,
        first(authors ORDER BY priority, source_rank) FILTER (WHERE authors IS NOT NULL) AS authors,
        first(published ORDER BY priority, source_rank, published) FILTER (WHERE published IS NOT NULL) AS published,
        first(norm_url(url_abs) ORDER BY priority, source_rank, url_abs) FILTER (WHERE url_abs IS NOT NULL) AS url_abs,
        first(url_pdf ORDER BY priority, source_rank) FILTER (WHERE url_pdf IS NOT NULL) AS url_pdf,
        first(pwc_url ORDER BY priority, source_rank) FILTER (WHERE pwc_url IS NOT NULL) AS pwc_url,
        first(proceeding ORDER BY priority, source_rank) FILTER (WHERE proceeding IS NOT NULL) AS proceeding,
        list_sort(list_distinct(list(source))) AS sources
    FROM all_rows
    GROUP BY paper_key
)

SELECT * FROM final
