-- Stores (or replaces) a checkpoint only while $6 holds the lease on the running run (lapsed
-- but not taken over still counts: a long step must not lose its value), in one statement: the fenced run update (cursor, updated_at, lease extended) feeds the insert.
-- The cursor counts the other base names plus this one (the CTE sees the rows before the insert).
-- $1 run id, $2 name, $3 base name, $4 value (JSON), $5 now, $6 owner, $7 lease ms.
-- Returns run_id when stored, no row when fenced out.
WITH run AS (
  UPDATE stem_workflow_runs SET
    step_cursor = 1 + (
      SELECT COUNT(DISTINCT base_name) FROM stem_workflow_steps WHERE run_id = $1 AND base_name <> $3
    ),
    updated_at = GREATEST($5::int8, updated_at + 1),
    lease_expires_at = $5::int8 + $7::int8
  WHERE id = $1 AND status = 'running' AND owner_id = $6
  RETURNING id
)
INSERT INTO stem_workflow_steps (run_id, name, base_name, value, saved_at)
SELECT id, $2, $3, $4, $5 FROM run
ON CONFLICT (run_id, name) DO UPDATE SET value = EXCLUDED.value, saved_at = EXCLUDED.saved_at
RETURNING run_id
