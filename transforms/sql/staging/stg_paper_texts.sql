-- materialized: view
-- Staging: the wide text of every papers-with-abstracts record (abstract, authors), by row_ref.
-- A view, not a table: it only cleans, and copying 1.4 GB of abstracts into a table would be a
-- pass over the widest text of the archive for nothing. Only the papers view reads it.
SELECT
    rowid AS row_ref,
    nullif(trim(abstract), '') AS abstract,
    authors
FROM raw_papers
