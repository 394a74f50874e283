-- Live entries whose key starts with ?1, in byte order of the key. ?1 prefix, ?2 now, ?3 limit.
-- Returns key, value, expires_at.
SELECT key, value, expires_at FROM stem_kv
WHERE substr(key, 1, length(?1)) = ?1 AND (expires_at IS NULL OR expires_at > ?2)
ORDER BY key LIMIT ?3
