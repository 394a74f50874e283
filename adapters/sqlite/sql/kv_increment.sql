-- Adds ?2 to an integer value (absent or expired counts as 0); the TTL is set only when the key
-- is created. A live value that is not an integer is left alone and no row is returned.
-- ?1 key, ?2 by, ?3 expires_at|NULL, ?4 now. Returns value (text).
-- node:sqlite binds JS numbers as REAL, so every number is cast to INTEGER before it is printed.
INSERT INTO stem_kv (key, value, expires_at) VALUES (?1, CAST(CAST(?2 AS INTEGER) AS TEXT), ?3)
ON CONFLICT (key) DO UPDATE SET
  value = CASE WHEN stem_kv.expires_at IS NULL OR stem_kv.expires_at > ?4
               THEN CAST(CAST(stem_kv.value AS INTEGER) + CAST(?2 AS INTEGER) AS TEXT)
               ELSE excluded.value END,
  expires_at = CASE WHEN stem_kv.expires_at IS NULL OR stem_kv.expires_at > ?4
                    THEN stem_kv.expires_at ELSE excluded.expires_at END
WHERE (stem_kv.expires_at IS NOT NULL AND stem_kv.expires_at <= ?4)
   OR CAST(CAST(stem_kv.value AS INTEGER) AS TEXT) = stem_kv.value
RETURNING value
