-- The earliest fire of an enabled entry (the due index), or NULL.
SELECT MIN(next_run_at) AS next FROM stem_schedules WHERE enabled = 1 AND next_run_at IS NOT NULL
