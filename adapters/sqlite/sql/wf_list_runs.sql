-- Runs newest first. ?1 workflow or NULL, ?2 status or NULL, ?3 limit.
SELECT id, workflow, status, step_cursor, params, result, wait_topic, resume_at, last_error, suspension_data, owner_id, lease_expires_at, cancellation_policy, cancellation_data, created_at, updated_at FROM stem_workflow_runs
WHERE (?1 IS NULL OR workflow = ?1) AND (?2 IS NULL OR status = ?2)
ORDER BY rowid DESC
LIMIT ?3
