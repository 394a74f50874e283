-- Deletes an entry. $1 id. Returns id when there was one.
DELETE FROM stem_schedules WHERE id = $1 RETURNING id
