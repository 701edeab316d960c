-- site_tokens(text): the search index's tokens of a text, and of a query (one definition for both).
-- Lower case, accents stripped, split on anything that is not a letter or digit, English stop
-- words dropped, a plural 's' removed (networks -> network; class, bus, gas kept).
list_filter(
    list_transform(
        string_split_regex(lower(strip_accents(coalesce(s, ''))), '[^a-z0-9]+'),
        t -> CASE WHEN length(t) > 3 AND suffix(t, 's') AND NOT suffix(t, 'ss') THEN t[:-2] ELSE t END
    ),
    t -> t <> '' AND NOT list_contains(
        ['a', 'an', 'and', 'are', 'as', 'at', 'by', 'for', 'from', 'in', 'into', 'is', 'it', 'its',
         'of', 'on', 'or', 'that', 'the', 'to', 'via', 'with'], t)
)
