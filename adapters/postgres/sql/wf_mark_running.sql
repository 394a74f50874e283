-- Suspended or running → running, waits cleared. $1 id, $2 now. Returns id when it changed.
UPDATE stem_workflow_runs SET status = 'running', wait_topic = NULL, resume_at = NULL, due_at = NULL,
  updated_at = $2
WHERE id = $1 AND status IN ('running', 'suspended')
RETURNING id
