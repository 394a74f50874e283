-- When the next not-yet-visible message of these queues becomes claimable (a delayed message
-- or an expiring lease), so an idle consumer can sleep until then.
-- $1 queues text[], $2 now int8. Returns at (int8, NULL when none).
SELECT min(visible_at) AS at FROM stem_jobs WHERE queue = ANY($1::text[]) AND visible_at > $2
