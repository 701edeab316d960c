-- Internal (not published): one row per paper with every narrow field chosen, and the row of
-- raw_papers whose abstract and authors the paper takes (abstract_ref, authors_ref). The papers
-- view joins that wide text last, so no aggregation, sort or table write carries it.
--
-- Which record speaks for a paper. Every record that names the paper (a papers-with-abstracts
-- record, a leaderboard row, a code link) is ranked by one total order:
--   1. the kind of source: the papers-with-abstracts dump, then leaderboard rows, then code links;
--   2. the source file's rank (transforms/ingest/sources.py);
--   3. the record with more fields filled first;
--   4. the record's content: the smaller md5 of all its fields as the source holds them (computed
--      only where 1-3 tie).
-- The paper takes every field of the first record; only a field that record lacks falls back
-- to the next record that has it. So a published row never mixes two records' values of a field
-- the winner has, and the same input always picks the same record.
WITH from_catalog AS (
    SELECT
        paper_key, arxiv_id, title, published, url_abs, url_pdf, pwc_url, proceeding,
        has_abstract, has_authors, row_ref, source, source_rank, 1 AS priority
    FROM stg_papers
    WHERE paper_key IS NOT NULL
),

from_results AS (
    SELECT DISTINCT
        paper_key, arxiv_id, paper_title AS title, paper_date AS published,
        paper_url_raw AS url_abs, NULL AS url_pdf, NULL AS pwc_url, NULL AS proceeding,
        false AS has_abstract, false AS has_authors,
        NULL::BIGINT AS row_ref, source, source_rank, 2 AS priority
    FROM stg_results
    WHERE paper_key IS NOT NULL
),

from_links AS (
    SELECT DISTINCT
        paper_key, arxiv_id, paper_title AS title, NULL::DATE AS published,
        url_abs, url_pdf, pwc_url, NULL AS proceeding,
        false AS has_abstract, false AS has_authors,
        NULL::BIGINT AS row_ref, source, source_rank, 3 AS priority
    FROM stg_code_links
    WHERE paper_key IS NOT NULL
),

all_rows AS (
    SELECT * FROM from_catalog
    UNION ALL BY NAME SELECT * FROM from_results
    UNION ALL BY NAME SELECT * FROM from_links
),

filled AS (
    SELECT
        *,
        (arxiv_id IS NOT NULL)::INTEGER + (title IS NOT NULL)::INTEGER + has_abstract::INTEGER
            + has_authors::INTEGER + (published IS NOT NULL)::INTEGER + (url_abs IS NOT NULL)::INTEGER
            + (url_pdf IS NOT NULL)::INTEGER + (pwc_url IS NOT NULL)::INTEGER
            + (proceeding IS NOT NULL)::INTEGER AS fields_filled
    FROM all_rows
),

tied AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY paper_key, priority, source_rank, fields_filled) > 1 AS is_tied
    FROM filled
),

-- The content of tied catalogue records: md5 of the record as the dump holds it (wide text
-- included), read only for those records.
catalog_content AS (
    SELECT
        raw.rowid AS row_ref,
        md5(concat_ws(chr(31), raw.paper_url, raw.arxiv_id, raw.title, raw.abstract,
                      array_to_string(raw.authors, chr(30)), array_to_string(raw.tasks, chr(30)),
                      raw.date, raw.url_abs, raw.url_pdf, raw.proceeding)) AS content_md5
    FROM raw_papers AS raw
    SEMI JOIN (SELECT row_ref FROM tied WHERE is_tied AND priority = 1) AS t ON t.row_ref = raw.rowid
),

ranked AS (
    SELECT
        tied.*,
        row_number() OVER (
            PARTITION BY tied.paper_key
            ORDER BY
                tied.priority,
                tied.source_rank,
                tied.fields_filled DESC,
                CASE WHEN tied.is_tied THEN coalesce(
                    c.content_md5,
                    md5(concat_ws(chr(31), tied.arxiv_id, tied.title, tied.published, tied.url_abs,
                                  tied.url_pdf, tied.pwc_url, tied.proceeding))
                ) END
        ) AS record_rank
    FROM tied
    LEFT JOIN catalog_content AS c ON c.row_ref = tied.row_ref
),

chosen AS (
    SELECT
        paper_key,
        arg_min(arxiv_id, record_rank) FILTER (WHERE arxiv_id IS NOT NULL) AS arxiv_id,
        arg_min(title, record_rank) FILTER (WHERE title IS NOT NULL) AS title,
        arg_min(row_ref, record_rank) FILTER (WHERE has_abstract) AS abstract_ref,
        arg_min(row_ref, record_rank) FILTER (WHERE has_authors) AS authors_ref,
        arg_min(published, record_rank) FILTER (WHERE published IS NOT NULL) AS published,
        arg_min(norm_url(url_abs), record_rank) FILTER (WHERE url_abs IS NOT NULL) AS url_abs,
        arg_min(url_pdf, record_rank) FILTER (WHERE url_pdf IS NOT NULL) AS url_pdf,
        arg_min(pwc_url, record_rank) FILTER (WHERE pwc_url IS NOT NULL) AS pwc_url,
        arg_min(proceeding, record_rank) FILTER (WHERE proceeding IS NOT NULL) AS proceeding,
        list_sort(list_distinct(list(source))) AS sources
    FROM ranked
    GROUP BY paper_key
)

SELECT make_id('pap', paper_key) AS paper_id, * EXCLUDE (paper_key) FROM chosen
