-- A paper's abstract by its id (when the row number does not hold: a release copied differently).
SELECT abstract
FROM papers
WHERE paper_id = $id
