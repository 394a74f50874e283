-- Replaces a live value equal to ?2. ?1 key, ?2 expected, ?3 value, ?4 expires_at|NULL, ?5 now.
-- Returns key when written.
UPDATE stem_kv SET value = ?3, expires_at = ?4
WHERE key = ?1 AND value = ?2 AND (expires_at IS NULL OR expires_at > ?5)
RETURNING key
