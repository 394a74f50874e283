-- Leases up to ?3 visible messages of the queues in ?1 (a JSON array), highest priority first,
-- then oldest; every claim (a lease-expiry reclaim too) bumps the token and the delivery count.
-- Run inside BEGIN IMMEDIATE so two processes never claim the same row.
-- ?1 queues JSON, ?2 now, ?3 limit, ?4 default lease ms (0 = no expiry).
-- Returns id, queue, task_id, token, locked_until, priority, deliveries, envelope (unordered).
UPDATE stem_jobs
SET locked_until = CASE WHEN COALESCE(lease_ms, ?4) > 0 THEN ?2 + COALESCE(lease_ms, ?4)
                        ELSE 8000000000000000 END,
    visible_at = CASE WHEN COALESCE(lease_ms, ?4) > 0 THEN ?2 + COALESCE(lease_ms, ?4)
                      ELSE 8000000000000000 END,
    token = token + 1,
    deliveries = deliveries + 1
WHERE id IN (
  SELECT id FROM stem_jobs
  WHERE queue IN (SELECT value FROM json_each(?1)) AND visible_at <= ?2
  ORDER BY priority DESC, visible_at, id
  LIMIT ?3
)
RETURNING id, queue, task_id, token, locked_until, priority, deliveries, envelope
