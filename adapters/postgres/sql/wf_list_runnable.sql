-- Running runs with no wait topic and a free or lapsed lease at $1. $2 limit.
SELECT id, workflow, status, step_cursor, params, result, wait_topic, resume_at, last_error, suspension_data, owner_id, lease_expires_at, cancellation_policy, cancellation_data, created_at, updated_at FROM stem_workflow_runs
WHERE status = 'running' AND wait_topic IS NULL AND (owner_id IS NULL OR lease_expires_at <= $1)
ORDER BY seq
LIMIT $2
