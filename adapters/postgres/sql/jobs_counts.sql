-- Message counts of one queue. $1 queue text, $2 now int8.
-- Returns pending, inflight, delayed, dead (int8).
SELECT
  count(*) FILTER (WHERE visible_at <= $2) AS pending,
  count(*) FILTER (WHERE locked_until IS NOT NULL AND visible_at > $2) AS inflight,
  count(*) FILTER (WHERE locked_until IS NULL AND visible_at > $2) AS delayed,
  (SELECT count(*) FROM stem_dead_letters WHERE queue = $1) AS dead
FROM stem_jobs WHERE queue = $1
