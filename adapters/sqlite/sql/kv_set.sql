-- Writes a value unconditionally. ?1 key, ?2 value, ?3 expires_at|NULL.
INSERT INTO stem_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
