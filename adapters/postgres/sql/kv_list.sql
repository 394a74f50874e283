-- Live entries whose key starts with $1 and sorts after $4 (exclusive; "" for the first page),
-- in byte order of the key.
-- $1 prefix text, $2 now int8, $3 limit int4, $4 after text. Returns key, value, expires_at.
SELECT key, value, expires_at FROM stem_kv
WHERE left(key, length($1)) = $1 AND (expires_at IS NULL OR expires_at > $2::int8)
  AND key COLLATE "C" > $4::text COLLATE "C"
ORDER BY key COLLATE "C" LIMIT $3
