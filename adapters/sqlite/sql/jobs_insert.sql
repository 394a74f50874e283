-- Inserts one message (run once per row in one transaction). ?1 queue, ?2 task_id,
-- ?3 priority, ?4 visible_at, ?5 lease_ms|NULL, ?6 envelope (JSON), ?7 due_at|NULL (set for a
-- delayed message, see migration 0006). Returns nothing.
INSERT INTO stem_jobs (queue, task_id, priority, visible_at, lease_ms, envelope, due_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
