-- Inserts messages (run once with one array per column) and wakes consumers of their queues on
-- the channel "<schema>_jobs".
-- $1 queue text[], $2 task_id text[], $3 priority int2[], $4 visible_at int8[],
-- $5 lease_ms int4[] (NULL = broker default), $6 envelope: one JSON array of the envelope texts
-- (as in results_set.sql), $7 due_at int8[] (NULL = runs at once; set for a delayed message, see
-- migration 0006).
-- Returns one row per distinct queue (the NOTIFY result).
WITH ins AS (
  INSERT INTO stem_jobs (queue, task_id, priority, visible_at, lease_ms, envelope, due_at)
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::int2[], $4::int8[], $5::int4[],
    ARRAY(SELECT json_array_elements_text($6::json)), $7::int8[]
  )
  RETURNING queue
)
SELECT pg_notify(lower(current_schema()) || '_jobs', q) FROM (SELECT DISTINCT queue AS q FROM ins) AS d
