-- Suspends a run until a time and puts it in the due index.
-- $1 id, $2 resume_at, $3 suspension_data (JSON), $4 now. Returns id.
UPDATE stem_workflow_runs SET status = 'suspended', wait_topic = NULL, resume_at = $2, due_at = $2,
  suspension_data = $3, owner_id = NULL, lease_expires_at = NULL, updated_at = $4
WHERE id = $1
RETURNING id
