-- Marks a rewound run suspended at the target step. $1 id, $2 suspension_data (JSON),
-- $3 now. Returns id.
UPDATE stem_workflow_runs SET status = 'suspended', result = NULL, last_error = NULL,
  cancellation_data = NULL, suspension_data = $2, wait_topic = NULL, resume_at = NULL,
  due_at = NULL, owner_id = NULL, lease_expires_at = NULL, updated_at = $3,
  step_cursor = (SELECT COUNT(DISTINCT base_name) FROM stem_workflow_steps WHERE run_id = $1)
WHERE id = $1
RETURNING id
