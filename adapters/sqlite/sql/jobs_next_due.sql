-- When the next invisible message of the queues in ?1 (JSON array) becomes visible.
-- ?2 now. Returns at (NULL when none).
SELECT min(visible_at) AS at FROM stem_jobs
WHERE queue IN (SELECT value FROM json_each(?1)) AND visible_at > ?2
