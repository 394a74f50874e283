-- The newest dead letter of a task. $1 queue text, $2 task_id text.
-- Returns envelope, reason, meta, dead_at.
SELECT envelope, reason, meta, dead_at FROM stem_dead_letters
WHERE queue = $1 AND task_id = $2 ORDER BY dead_at DESC, id DESC LIMIT 1
