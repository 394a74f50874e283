-- Creates a running run with cursor 0; no row back when the id exists.
-- $1 id, $2 workflow, $3 params (JSON), $4 cancellation_policy (JSON or NULL), $5 now.
INSERT INTO stem_workflow_runs (id, workflow, status, step_cursor, params, cancellation_policy, created_at,
  updated_at)
VALUES ($1, $2, 'running', 0, $3, $4, $5, $5)
ON CONFLICT (id) DO NOTHING
RETURNING id
