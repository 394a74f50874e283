-- Records a dispatch and releases owner $2's claim. $1 id, $3 next_run_at|NULL, $4 error|NULL
-- (a failure keeps last_run_at and the count), $5 fire time, $6 dispatches counted, $7 drift ms,
-- $8 published at.
UPDATE stem_schedules SET next_run_at = $3::int8,
  last_run_at = CASE WHEN $4::text IS NULL THEN $5::int8 ELSE last_run_at END,
  total_run_count = total_run_count + CASE WHEN $4::text IS NULL THEN $6::int8 ELSE 0 END,
  last_drift_ms = CASE WHEN $4::text IS NULL THEN $7::int8 ELSE last_drift_ms END,
  last_error = COALESCE($4::text, last_error),
  last_error_at = CASE WHEN $4::text IS NULL THEN last_error_at ELSE $8::int8 END,
  claim_owner = CASE WHEN claim_owner = $2 THEN NULL ELSE claim_owner END,
  claim_until = CASE WHEN claim_owner = $2 THEN NULL ELSE claim_until END
WHERE id = $1
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
