-- Deletes a live value equal to ?2. ?1 key, ?2 expected, ?3 now. Returns key when deleted.
DELETE FROM stem_kv WHERE key = ?1 AND value = ?2 AND (expires_at IS NULL OR expires_at > ?3)
RETURNING key
