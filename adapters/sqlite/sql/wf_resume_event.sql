-- Flips a run resolved by an event to running with its resume data (run once per row).
-- ?1 id, ?2 suspension_data (JSON), ?3 now.
UPDATE stem_workflow_runs SET status = 'running', wait_topic = NULL, resume_at = NULL, due_at = NULL,
  suspension_data = ?2, updated_at = ?3
WHERE id = ?1
