-- Replaces an entry at version $4 (history kept); parameters as sched_upsert. No row back when
-- the entry is missing or at another version.
UPDATE stem_schedules SET input = $2, enabled = $3::int4, version = version + 1,
  next_run_at = CASE WHEN $5::int4 = 1 THEN $6::int8 ELSE next_run_at END, updated_at = $7::int8
WHERE id = $1 AND version = $4::int8
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
