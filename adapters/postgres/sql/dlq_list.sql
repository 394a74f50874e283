-- One page of dead letters, newest first. $1 queue text, $2 limit int4, $3 offset int4.
-- Returns envelope, reason, meta, dead_at.
SELECT envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = $1 ORDER BY dead_at DESC, id DESC LIMIT $2 OFFSET $3
