-- Takes the run lease when free, lapsed or already held by $2.
-- $1 id, $2 owner, $3 now, $4 lease ms. Returns id when claimed.
UPDATE stem_workflow_runs SET owner_id = $2, lease_expires_at = $3::int8 + $4::int8
WHERE id = $1 AND status = 'running' AND wait_topic IS NULL
  AND (owner_id IS NULL OR owner_id = $2 OR lease_expires_at <= $3)
RETURNING id
