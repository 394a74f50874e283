-- Watchers of a topic (every topic when $1 is NULL), oldest first. $1 topic, $2 limit.
SELECT run_id, step_name, topic, created_at, deadline, data FROM stem_workflow_watchers
WHERE ($1::text IS NULL OR topic = $1)
ORDER BY created_at, seq
LIMIT $2
