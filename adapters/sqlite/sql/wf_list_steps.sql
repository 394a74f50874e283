-- Checkpoints in the order first saved. ?1 run id.
SELECT name, value, saved_at FROM stem_workflow_steps WHERE run_id = ?1 ORDER BY rowid
