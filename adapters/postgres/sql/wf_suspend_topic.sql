-- Suspends a run on a topic (due at the deadline when there is one).
-- $1 id, $2 topic, $3 deadline or NULL, $4 suspension_data (JSON), $5 now. Returns id.
UPDATE stem_workflow_runs SET status = 'suspended', wait_topic = $2, resume_at = $3, due_at = $3,
  suspension_data = $4, owner_id = NULL, lease_expires_at = NULL, updated_at = $5
WHERE id = $1
RETURNING id
