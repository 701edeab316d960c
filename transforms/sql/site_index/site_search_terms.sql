-- site_search_terms: the inverted index, one row per (token, doc), with the doc's kind and
-- popularity so a search ranks without reading the documents. Sorted by token: a lookup (equal,
-- or a prefix range) reads only the blocks that hold it. Tokens: the site_tokens() macro.
WITH tokens AS (
    SELECT DISTINCT unnest(site_tokens(name)) AS term, doc FROM site_search_docs
)

SELECT t.term, t.doc, d.kind, d.popularity
FROM tokens AS t
JOIN site_search_docs AS d USING (doc)
ORDER BY t.term, t.doc
