-- Writes a value when the key is absent or expired. ?1 key, ?2 value, ?3 expires_at|NULL,
-- ?4 now. Returns key when written.
INSERT INTO stem_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
WHERE stem_kv.expires_at IS NOT NULL AND stem_kv.expires_at <= ?4
RETURNING key
