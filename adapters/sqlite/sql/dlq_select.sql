-- Dead letters a replay takes, oldest first. ?1 queue, ?2 since, ?3 limit.
SELECT id, envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = ?1 AND dead_at >= ?2 ORDER BY dead_at, id LIMIT ?3
