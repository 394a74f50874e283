-- Stores (or replaces) a checkpoint of an existing run.
-- $1 run id, $2 name, $3 base name, $4 value (JSON), $5 now.
INSERT INTO stem_workflow_steps (run_id, name, base_name, value, saved_at)
SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM stem_workflow_runs WHERE id = $1)
ON CONFLICT (run_id, name) DO UPDATE SET value = EXCLUDED.value, saved_at = EXCLUDED.saved_at
