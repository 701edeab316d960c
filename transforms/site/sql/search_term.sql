-- The documents holding one search token (site_search_terms is sorted by token: one range;
-- each doc once).
SELECT doc
FROM site_search_terms
WHERE term = $t
