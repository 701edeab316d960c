-- site_methods: one row per method for the catalogue, sorted by name.
SELECT
    row_number() OVER (ORDER BY lower(name), method_id) AS pos,
    method_id,
    name,
    full_name,
    introduced_year,
    num_papers
FROM methods
ORDER BY pos
