-- Drops a run's watcher. ?1 run id.
DELETE FROM stem_workflow_watchers WHERE run_id = ?1
