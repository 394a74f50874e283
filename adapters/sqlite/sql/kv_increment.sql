-- Adds ?2 to an integer value (absent or expired counts as 0); the TTL is set only when the key
-- is created. ?1 key, ?2 by, ?3 expires_at|NULL, ?4 now. Returns value (text).
INSERT INTO stem_kv (key, value, expires_at) VALUES (?1, CAST(?2 AS TEXT), ?3)
ON CONFLICT (key) DO UPDATE SET
  value = CASE WHEN stem_kv.expires_at IS NULL OR stem_kv.expires_at > ?4
               THEN CAST(CAST(stem_kv.value AS INTEGER) + ?2 AS TEXT) ELSE excluded.value END,
  expires_at = CASE WHEN stem_kv.expires_at IS NULL OR stem_kv.expires_at > ?4
                    THEN stem_kv.expires_at ELSE excluded.expires_at END
RETURNING value
