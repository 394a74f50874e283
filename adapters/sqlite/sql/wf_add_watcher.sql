-- Registers (or replaces) a run's watcher.
-- ?1 run id, ?2 step, ?3 topic, ?4 now, ?5 deadline or NULL, ?6 data (JSON).
INSERT INTO stem_workflow_watchers (run_id, step_name, topic, created_at, deadline, data)
SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM stem_workflow_runs WHERE id = ?1)
ON CONFLICT (run_id) DO UPDATE SET step_name = EXCLUDED.step_name, topic = EXCLUDED.topic,
  created_at = EXCLUDED.created_at, deadline = EXCLUDED.deadline, data = EXCLUDED.data
