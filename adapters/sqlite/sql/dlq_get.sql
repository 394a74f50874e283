-- The newest dead letter of a task. ?1 queue, ?2 task_id.
SELECT envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = ?1 AND task_id = ?2 ORDER BY dead_at DESC, id DESC LIMIT 1
