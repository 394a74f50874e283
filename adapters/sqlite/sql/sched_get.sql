-- One entry. ?1 id.
SELECT id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms FROM stem_schedules WHERE id = ?1
