-- One model, with its paper's title.
SELECT m.model_id, m.name, m.paper_id, p.title AS paper_title, p.published, m.raw_names, m.links
FROM models AS m
LEFT JOIN papers AS p ON p.paper_id = m.paper_id
WHERE m.model_id = $id
