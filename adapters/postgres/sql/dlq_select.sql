-- Dead letters a replay would take, oldest first. $1 queue text, $2 since int8, $3 limit int4.
-- Returns id, envelope, reason, meta, dead_at.
SELECT id, envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = $1 AND dead_at >= $2 ORDER BY dead_at, id LIMIT $3
