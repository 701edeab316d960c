-- A paper's abstract, read by its row number in papers (a point read of one block); the paper_id
-- is returned so the caller can check the row is that paper's.
SELECT paper_id, abstract
FROM papers
WHERE rowid = $rowid
