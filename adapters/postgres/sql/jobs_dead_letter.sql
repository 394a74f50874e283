-- Moves a leased message to the dead letters in one statement; a stale receipt (the row was
-- settled or re-leased since) moves nothing.
-- $1 id int8, $2 token int4, $3 queue text, $4 task_id text, $5 envelope text,
-- $6 reason text, $7 meta text (JSON), $8 dead_at int8. Returns nothing.
WITH gone AS (DELETE FROM stem_jobs WHERE id = $1 AND token = $2 RETURNING id)
INSERT INTO stem_dead_letters (queue, task_id, envelope, reason, meta, dead_at)
SELECT $3, $4, $5, $6, $7, $8 FROM gone
