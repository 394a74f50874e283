-- Releases a leased message back to its queue, optionally replacing its envelope (a retry, which
-- starts a fresh delivery count), in one statement, and wakes consumers.
-- $1 id int8, $2 token int4, $3 visible_at int8, $4 queue text|NULL, $5 priority int2|NULL,
-- $6 lease_ms int4|NULL, $7 envelope text|NULL (NULL keeps the stored one),
-- $8 replace bool (true: a new envelope, lease_ms from $6), $9 due_at int8|NULL (set when the
-- message waits until $3: it is claimed ahead of the backlog once due). Returns the queue when
-- released.
WITH up AS (
  UPDATE stem_jobs
  SET locked_until = NULL,
      visible_at = $3,
      due_at = $9,
      queue = COALESCE($4, queue),
      priority = COALESCE($5, priority),
      lease_ms = CASE WHEN $8::bool THEN $6 ELSE lease_ms END,
      deliveries = CASE WHEN $8::bool THEN 0 ELSE deliveries END,
      envelope = COALESCE($7, envelope)
  WHERE id = $1 AND token = $2
  RETURNING queue
)
SELECT queue, pg_notify(lower(current_schema()) || '_jobs', queue) FROM up
