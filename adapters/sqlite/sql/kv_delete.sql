-- Deletes a key (an expired one too). ?1 key, ?2 now. Returns live (0/1).
DELETE FROM stem_kv WHERE key = ?1
RETURNING CASE WHEN expires_at IS NULL OR expires_at > ?2 THEN 1 ELSE 0 END AS live
