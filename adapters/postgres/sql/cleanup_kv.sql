-- Deletes expired keys. $1 now int8. Returns nothing (the row count).
DELETE FROM stem_kv WHERE expires_at <= $1
