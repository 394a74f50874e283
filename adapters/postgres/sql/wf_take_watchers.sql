-- Removes up to $2 watchers of topic $1 and returns them; each is taken by one caller.
DELETE FROM stem_workflow_watchers
WHERE run_id IN (
  SELECT run_id FROM stem_workflow_watchers WHERE topic = $1 ORDER BY created_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
)
RETURNING run_id, step_name, topic, created_at, deadline, data
