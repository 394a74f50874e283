-- Leases up to ?3 visible messages of the queues in ?1 (a JSON array): highest priority first;
-- within a priority, delayed messages that fell due (due_at set) first, earliest due first, then
-- the oldest of the rest. Every claim (a lease-expiry reclaim too) bumps the token and the
-- delivery count. Run inside BEGIN IMMEDIATE so two processes never claim the same row.
-- ?1 queues JSON, ?2 now, ?3 limit, ?4 default lease ms (0 = no expiry).
-- Returns id, queue, task_id, token, locked_until, priority, deliveries, due_at, envelope
-- (unordered).
UPDATE stem_jobs
SET locked_until = CASE WHEN COALESCE(lease_ms, ?4) > 0 THEN ?2 + COALESCE(lease_ms, ?4)
                        ELSE 8000000000000000 END,
    visible_at = CASE WHEN COALESCE(lease_ms, ?4) > 0 THEN ?2 + COALESCE(lease_ms, ?4)
                      ELSE 8000000000000000 END,
    token = token + 1,
    deliveries = deliveries + 1
WHERE id IN (
  SELECT id FROM (
    SELECT id, MAX(priority) AS priority, MAX(is_due) AS is_due, MIN(at) AS at FROM (
      SELECT * FROM (
        SELECT id, priority, 1 AS is_due, due_at AS at FROM stem_jobs
        WHERE queue IN (SELECT value FROM json_each(?1)) AND due_at <= ?2 AND visible_at <= ?2
        ORDER BY due_at, id
        LIMIT ?3
      )
      UNION ALL
      SELECT * FROM (
        SELECT id, priority, 0 AS is_due, visible_at AS at FROM stem_jobs
        WHERE queue IN (SELECT value FROM json_each(?1)) AND visible_at <= ?2
        ORDER BY priority DESC, visible_at, id
        LIMIT ?3
      )
    )
    GROUP BY id
  )
  ORDER BY priority DESC, is_due DESC, at, id
  LIMIT ?3
)
RETURNING id, queue, task_id, token, locked_until, priority, deliveries, due_at, envelope
