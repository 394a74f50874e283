-- One run. ?1 id.
SELECT id, workflow, status, step_cursor, params, result, wait_topic, resume_at, last_error, suspension_data, owner_id, lease_expires_at, cancellation_policy, cancellation_data, created_at, updated_at FROM stem_workflow_runs WHERE id = ?1
