-- Deletes expired keys. ?1 now.
DELETE FROM stem_kv WHERE expires_at <= ?1
