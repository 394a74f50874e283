-- Drops the checkpoints of base name ?2 and every later one. ?1 run id.
DELETE FROM stem_workflow_steps
WHERE run_id = ?1 AND rowid >= (SELECT MIN(rowid) FROM stem_workflow_steps WHERE run_id = ?1 AND base_name = ?2)
