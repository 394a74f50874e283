-- Live entries whose key starts with ?1 and sorts after ?4 (exclusive; "" for the first page),
-- in byte order of the key. ?1 prefix, ?2 now, ?3 limit, ?4 after.
-- Returns key, value, expires_at.
SELECT key, value, expires_at FROM stem_kv
WHERE substr(key, 1, length(?1)) = ?1 AND (expires_at IS NULL OR expires_at > ?2) AND key > ?4
ORDER BY key LIMIT ?3
