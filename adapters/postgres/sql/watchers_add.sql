-- Registers (or refreshes) a watch so status writes of the task are notified.
-- $1 task id text, $2 watcher id text, $3 expires_at int8. Returns nothing.
INSERT INTO stem_watchers (task_id, watcher, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (task_id, watcher) DO UPDATE SET expires_at = EXCLUDED.expires_at
