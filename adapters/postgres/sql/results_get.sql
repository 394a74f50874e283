-- Reads a live task status. $1 id text, $2 now int8.
-- Returns status, created_at, updated_at.
SELECT status, created_at, updated_at FROM stem_results WHERE id = $1 AND expires_at > $2
