-- Completes a run and drops its watcher in one statement (writable CTE; SQLite's store follows
-- its plain update with wfDropWatcher in a transaction). $1 id, $2 result (JSON), $3 now.
-- Returns id.
WITH dropped AS (DELETE FROM stem_workflow_watchers WHERE run_id = $1)
UPDATE stem_workflow_runs SET status = 'completed', result = $2, suspension_data = '{}', wait_topic = NULL,
  resume_at = NULL, due_at = NULL, owner_id = NULL, lease_expires_at = NULL, updated_at = $3
WHERE id = $1
RETURNING id
