-- Adds $2 to an integer value (absent or expired counts as 0); the TTL is set only when the key
-- is created. A live value that is not an integer is left alone and no row is returned.
-- $1 key text, $2 by int8, $3 expires_at int8|NULL, $4 now int8. Returns value (text).
INSERT INTO stem_kv AS k (key, value, expires_at) VALUES ($1, $2::int8::text, $3::int8)
ON CONFLICT (key) DO UPDATE SET
  value = CASE WHEN k.expires_at IS NULL OR k.expires_at > $4::int8
               THEN (k.value::int8 + $2::int8)::text ELSE EXCLUDED.value END,
  expires_at = CASE WHEN k.expires_at IS NULL OR k.expires_at > $4::int8
                    THEN k.expires_at ELSE EXCLUDED.expires_at END
WHERE (k.expires_at IS NOT NULL AND k.expires_at <= $4::int8) OR k.value ~ '^-?[0-9]{1,18}$'
RETURNING value
