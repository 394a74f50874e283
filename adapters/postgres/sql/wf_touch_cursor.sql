-- Recomputes the cursor (distinct base names) and refreshes updated_at, strictly later.
-- $1 run id, $2 now. Returns id when the run exists.
UPDATE stem_workflow_runs SET
  step_cursor = (SELECT COUNT(DISTINCT base_name) FROM stem_workflow_steps WHERE run_id = $1),
  updated_at = GREATEST($2, updated_at + 1)
WHERE id = $1
RETURNING id
