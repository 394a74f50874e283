-- Leases up to $3 visible messages of the queues: highest priority first; within a priority,
-- delayed messages that fell due (due_at set) first, earliest due first, then the oldest of the
-- rest. Every claim (a lease-expiry reclaim too) bumps the claim token and the delivery count.
-- $1 queues text[], $2 now int8, $3 limit int4, $4 default lease ms int4 (0 = no expiry).
-- Returns id, queue, task_id, token, locked_until, priority, deliveries, due_at, envelope
-- (unordered). Two index scans per queue (LATERAL), each bounded by the limit: the due index
-- (range on due_at) and the claim index, so neither sorts every visible row of the queues.
WITH due AS (
  SELECT j.id, j.priority, true AS is_due, j.due_at AS at FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT id, priority, due_at FROM stem_jobs
    WHERE queue = q.name AND due_at <= $2 AND visible_at <= $2
    ORDER BY due_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ) AS j
), backlog AS (
  SELECT j.id, j.priority, false AS is_due, j.visible_at AS at FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT id, priority, visible_at FROM stem_jobs
    WHERE queue = q.name AND visible_at <= $2
    ORDER BY priority DESC, visible_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ) AS j
), picked AS (
  SELECT id FROM (
    SELECT DISTINCT ON (id) id, priority, is_due, at
    FROM (SELECT * FROM due UNION ALL SELECT * FROM backlog) AS c
    ORDER BY id, is_due DESC
  ) AS d
  ORDER BY priority DESC, is_due DESC, at, id
  LIMIT $3
), leased AS (
  SELECT id, CASE WHEN COALESCE(j.lease_ms, $4) > 0 THEN $2 + COALESCE(j.lease_ms, $4)
                  ELSE 8000000000000000 END AS until
  FROM stem_jobs j JOIN picked USING (id)
)
UPDATE stem_jobs j
SET locked_until = leased.until, visible_at = leased.until, token = j.token + 1,
    deliveries = j.deliveries + 1
FROM leased
WHERE j.id = leased.id
RETURNING j.id, j.queue, j.task_id, j.token, j.locked_until, j.priority, j.deliveries, j.due_at,
  j.envelope
