-- Releases a leased message, optionally replacing its envelope (a retry, which starts a fresh
-- delivery count), in one statement.
-- ?1 id, ?2 token, ?3 visible_at, ?4 queue|NULL, ?5 priority|NULL, ?6 lease_ms|NULL,
-- ?7 envelope|NULL (NULL keeps it), ?8 1 to replace, ?9 due_at|NULL (set when the message waits
-- until ?3: it is claimed ahead of the backlog once due). Returns queue when released.
UPDATE stem_jobs
SET locked_until = NULL,
    visible_at = ?3,
    due_at = ?9,
    queue = COALESCE(?4, queue),
    priority = COALESCE(?5, priority),
    lease_ms = CASE WHEN ?8 = 1 THEN ?6 ELSE lease_ms END,
    deliveries = CASE WHEN ?8 = 1 THEN 0 ELSE deliveries END,
    envelope = COALESCE(?7, envelope)
WHERE id = ?1 AND token = ?2
RETURNING queue
