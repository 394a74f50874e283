-- Records the last error; terminal ($3 = 1) also fails the run.
-- $1 id, $2 last_error (JSON), $3 terminal 0/1, $4 now. Returns id.
UPDATE stem_workflow_runs SET last_error = $2,
  status = CASE WHEN $3 = 1 THEN 'failed' ELSE status END,
  wait_topic = CASE WHEN $3 = 1 THEN NULL ELSE wait_topic END,
  due_at = CASE WHEN $3 = 1 THEN NULL ELSE due_at END,
  owner_id = CASE WHEN $3 = 1 THEN NULL ELSE owner_id END,
  lease_expires_at = CASE WHEN $3 = 1 THEN NULL ELSE lease_expires_at END,
  updated_at = $4
WHERE id = $1
RETURNING id
