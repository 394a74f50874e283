-- One checkpoint. ?1 run id, ?2 checkpoint name.
SELECT name, value, saved_at FROM stem_workflow_steps WHERE run_id = ?1 AND name = ?2
