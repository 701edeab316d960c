-- The documents holding a token that starts with $t (the range [$t, $e)), each once, with
-- whether one of its tokens is $t itself.
SELECT doc, bool_or(term = $t) AS exact
FROM site_search_terms
WHERE term >= $t AND term < $e
GROUP BY doc
