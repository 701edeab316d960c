-- A search: the branches placeholder below is replaced by one SELECT per query token (search.py), each reading one
-- range of site_search_terms; a document matches when it has every token. Ranked by kind, then
-- by how many tokens matched exactly (not only as a prefix), then by popularity.
WITH hits AS (
    $branches
),

-- Each branch gives a doc at most once, so a doc with every token has $terms rows.
per_doc AS (
    SELECT doc, any_value(kind) AS kind, any_value(popularity) AS popularity,
        count(*) FILTER (WHERE exact) AS exact
    FROM hits
    GROUP BY doc
    HAVING count(*) = $terms
),

ranked AS (
    SELECT doc, kind, count(*) OVER (PARTITION BY kind) AS kind_total,
        row_number() OVER (PARTITION BY kind ORDER BY exact DESC, popularity DESC, doc) AS n
    FROM per_doc
)

SELECT kind, kind_total, list(doc ORDER BY n) FILTER (WHERE n > $offset AND n <= $offset + $limit) AS docs
FROM ranked
GROUP BY kind, kind_total
