-- Replaces a live value equal to $2.
-- $1 key text, $2 expected text, $3 value text, $4 expires_at int8|NULL, $5 now int8.
-- Returns key when written.
UPDATE stem_kv SET value = $3, expires_at = $4::int8
WHERE key = $1 AND value = $2 AND (expires_at IS NULL OR expires_at > $5::int8)
RETURNING key
