-- Suspended → running, waits cleared; suspension_data replaced unless $2 is NULL.
-- $1 id, $2 data (JSON) or NULL, $3 now. Returns id when it resumed.
UPDATE stem_workflow_runs SET status = 'running', wait_topic = NULL, resume_at = NULL, due_at = NULL,
  suspension_data = COALESCE($2, suspension_data), updated_at = $3
WHERE id = $1 AND status = 'suspended'
RETURNING id
