-- Deletes a live value equal to $2. $1 key text, $2 expected text, $3 now int8.
-- Returns key when deleted.
DELETE FROM stem_kv
WHERE key = $1 AND value = $2 AND (expires_at IS NULL OR expires_at > $3::int8)
RETURNING key
