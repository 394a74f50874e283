-- Flips runs resolved by an event to running with their resume data, one array per column.
-- $1 id text[], $2 suspension_data text[], $3 now.
UPDATE stem_workflow_runs AS r SET status = 'running', wait_topic = NULL, resume_at = NULL,
  due_at = NULL, suspension_data = a.data, updated_at = $3
FROM unnest($1::text[], $2::text[]) AS a(id, data)
WHERE r.id = a.id
