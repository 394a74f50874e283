-- Writes a value when the key is absent or expired.
-- $1 key text, $2 value text, $3 expires_at int8|NULL, $4 now int8. Returns key when written.
INSERT INTO stem_kv AS k (key, value, expires_at) VALUES ($1, $2, $3::int8)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
WHERE k.expires_at IS NOT NULL AND k.expires_at <= $4::int8
RETURNING key
