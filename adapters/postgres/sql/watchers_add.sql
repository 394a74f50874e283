-- Registers (or refreshes) a watch so status writes of the task are notified: a row in
-- stem_watchers (seen by writes of a status that does not exist yet) and watched_until on the
-- status row (see migration 0007: the row lock orders this with a write in flight, so a write
-- either sees the watch or has committed before this returns).
-- $1 task id text, $2 watcher id text, $3 expires_at int8.
-- Returns found: 1 when the status row exists, else 0.
WITH registered AS (
  INSERT INTO stem_watchers (task_id, watcher, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (task_id, watcher) DO UPDATE SET expires_at = EXCLUDED.expires_at
), marked AS (
  UPDATE stem_results SET watched_until = GREATEST(watched_until, $3) WHERE id = $1
  RETURNING 1
)
SELECT count(*)::int4 AS found FROM marked
