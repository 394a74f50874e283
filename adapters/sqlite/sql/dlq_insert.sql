-- Adds a dead letter. ?1 queue, ?2 task_id, ?3 envelope, ?4 reason, ?5 meta JSON, ?6 dead_at.
INSERT INTO stem_dead_letters (queue, task_id, envelope, reason, meta, dead_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
