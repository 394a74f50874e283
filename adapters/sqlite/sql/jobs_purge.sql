-- Deletes the pending and delayed messages of a queue. ?1 queue, ?2 now.
DELETE FROM stem_jobs WHERE queue = ?1 AND (locked_until IS NULL OR visible_at <= ?2)
