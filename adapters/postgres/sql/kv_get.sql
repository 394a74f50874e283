-- Reads a live value. $1 key text, $2 now int8. Returns value.
SELECT value FROM stem_kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)
