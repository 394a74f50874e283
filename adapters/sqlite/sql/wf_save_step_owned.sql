-- The fenced half of a checkpoint write (SQLite has no writable CTEs): only while ?6 holds the
-- lease on the running run (lapsed but not taken over counts), recomputes the cursor as the other base names plus this one,
-- refreshes updated_at and extends the lease. The store runs wfSaveStep after it in the same
-- transaction when it returned a row.
-- ?1 run id, ?2 name, ?3 base name, ?4 value (JSON), ?5 now, ?6 owner, ?7 lease ms.
-- Returns id when the caller holds the lease. ?2 and ?4 are named only so the parameters match
-- Postgres's (the SQLite bindings reject unused ones).
UPDATE stem_workflow_runs SET
  step_cursor = 1 + (
    SELECT COUNT(DISTINCT base_name) FROM stem_workflow_steps WHERE run_id = ?1 AND base_name <> ?3
  ),
  updated_at = MAX(?5, updated_at + 1),
  lease_expires_at = ?5 + ?7
WHERE id = ?1 AND status = 'running' AND owner_id = ?6
  AND length(?2) >= 0 AND length(?4) >= 0
RETURNING id
