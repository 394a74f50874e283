-- One page of dead letters, newest first. ?1 queue, ?2 limit, ?3 offset.
SELECT envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = ?1 ORDER BY dead_at DESC, id DESC LIMIT ?2 OFFSET ?3
