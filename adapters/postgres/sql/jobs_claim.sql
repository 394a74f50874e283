-- Leases up to $3 visible messages of the queues, highest priority first, then oldest; every
-- claim (a lease-expiry reclaim too) bumps the claim token and the delivery count.
-- $1 queues text[], $2 now int8, $3 limit int4, $4 default lease ms int4 (0 = no expiry).
-- Returns id, queue, task_id, token, locked_until, priority, deliveries, envelope (unordered).
-- One index scan per queue (LATERAL), so the claim index serves ORDER BY ... LIMIT; a plain
-- `queue = ANY($1)` would sort every visible row of the queues on each claim.
WITH picked AS (
  SELECT j.id FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT id, priority, visible_at FROM stem_jobs
    WHERE queue = q.name AND visible_at <= $2
    ORDER BY priority DESC, visible_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ) AS j
  ORDER BY j.priority DESC, j.visible_at, j.id
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
RETURNING j.id, j.queue, j.task_id, j.token, j.locked_until, j.priority, j.deliveries, j.envelope
