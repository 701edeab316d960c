-- Where an id that is not a row of this release went: merged (redirect) or removed.
SELECT r.status, coalesce(x.new_id, r.current_id) AS current_id, r.last_release, x.reason
FROM id_registry AS r
LEFT JOIN id_redirects AS x ON x.old_id = r.id
WHERE r.id = $id
