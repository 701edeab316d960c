-- A search: the branches placeholder below is replaced by one SELECT per query token (search.py), each reading one
-- range of site_search_terms; a document matches when it has every token. Ranked by kind, then
-- by how many tokens matched exactly (not only as a prefix), then by popularity, then first indexed.
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

-- Per kind: how many match, and the best $offset + $limit (top-n by aggregate: no sort of all
-- matches, which a common word has by the hundred thousand).
final AS (
    SELECT
        kind,
        count(*) AS kind_total,
        max_by(doc, {'exact': exact, 'popularity': popularity, 'first': -doc}, $offset + $limit) AS docs
    FROM per_doc
    GROUP BY kind
)

SELECT kind, kind_total, docs FROM final
