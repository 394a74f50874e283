-- Copies a leased message into the dead letters when the receipt still holds it (the batch's
-- jobs_delete_one then removes it, in the same transaction); a stale receipt copies nothing.
-- ?1 id, ?2 token, ?3 queue, ?4 task_id, ?5 envelope, ?6 reason, ?7 meta JSON, ?8 dead_at.
INSERT INTO stem_dead_letters (queue, task_id, envelope, reason, meta, dead_at)
SELECT ?3, ?4, ?5, ?6, ?7, ?8 FROM stem_jobs WHERE id = ?1 AND token = ?2
