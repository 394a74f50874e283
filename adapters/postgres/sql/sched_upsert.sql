-- Creates an entry at version 1, or replaces it (history kept) at version + 1 when $4 is NULL
-- or the stored version. $1 id, $2 input JSON, $3 enabled 0|1, $4 expected version|NULL,
-- $5 set next_run_at 0|1, $6 next_run_at|NULL, $7 now. No row back on a version conflict.
INSERT INTO stem_schedules AS s (id, input, enabled, version, next_run_at, updated_at)
VALUES ($1, $2, $3::int4, 1, $6::int8, $7::int8)
ON CONFLICT (id) DO UPDATE SET input = EXCLUDED.input, enabled = EXCLUDED.enabled,
  version = s.version + 1,
  next_run_at = CASE WHEN $5::int4 = 1 THEN EXCLUDED.next_run_at ELSE s.next_run_at END,
  updated_at = EXCLUDED.updated_at
WHERE $4::int8 IS NULL OR s.version = $4::int8
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
