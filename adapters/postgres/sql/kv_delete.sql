-- Deletes a key (an expired one too). $1 key text, $2 now int8.
-- Returns live (bool as 0/1): whether the removed value was still live.
DELETE FROM stem_kv WHERE key = $1
RETURNING CASE WHEN expires_at IS NULL OR expires_at > $2::int8 THEN 1 ELSE 0 END AS live
