-- Message counts of a queue. ?1 queue, ?2 now. Returns pending, inflight, delayed, dead.
SELECT
  COALESCE(sum(visible_at <= ?2), 0) AS pending,
  COALESCE(sum(locked_until IS NOT NULL AND visible_at > ?2), 0) AS inflight,
  COALESCE(sum(locked_until IS NULL AND visible_at > ?2), 0) AS delayed,
  (SELECT count(*) FROM stem_dead_letters WHERE queue = ?1) AS dead
FROM stem_jobs WHERE queue = ?1
