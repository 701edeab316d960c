-- The documents of a search's matches ($docs: doc numbers from site_search_terms).
SELECT doc, kind, id, name, detail, popularity
FROM site_search_docs
WHERE doc IN (SELECT unnest($docs))
