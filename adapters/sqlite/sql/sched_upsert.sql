-- Creates an entry at version 1, or replaces it (history kept) at version + 1 when ?4 is NULL
-- or the stored version. ?1 id, ?2 input JSON, ?3 enabled 0|1, ?4 expected version|NULL,
-- ?5 set next_run_at 0|1, ?6 next_run_at|NULL, ?7 now. No row back on a version conflict.
INSERT INTO stem_schedules (id, input, enabled, version, next_run_at, updated_at)
VALUES (?1, ?2, ?3, 1, ?6, ?7)
ON CONFLICT (id) DO UPDATE SET input = excluded.input, enabled = excluded.enabled,
  version = stem_schedules.version + 1,
  next_run_at = CASE WHEN ?5 = 1 THEN excluded.next_run_at ELSE stem_schedules.next_run_at END,
  updated_at = excluded.updated_at
WHERE ?4 IS NULL OR stem_schedules.version = ?4
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
