-- Live task statuses, newest update first, optionally filtered.
-- $1 now int8, $2 state text|NULL, $3 queue text|NULL, $4 limit int4, $5 offset int4.
-- Returns status, created_at, updated_at.
SELECT status, created_at, updated_at FROM stem_results
WHERE expires_at > $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR queue = $3)
ORDER BY updated_at DESC, id DESC LIMIT $4 OFFSET $5
