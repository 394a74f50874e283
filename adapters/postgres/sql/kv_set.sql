-- Writes a value unconditionally. $1 key text, $2 value text, $3 expires_at int8|NULL.
-- Returns nothing.
INSERT INTO stem_kv (key, value, expires_at) VALUES ($1, $2, $3::int8)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
