-- Copies a leased message into the dead letters when the receipt still holds it (row locked
-- until the batch's jobs_delete_one removes it); a stale receipt copies nothing.
-- $1 id int8, $2 token int4, $3 queue text, $4 task_id text, $5 envelope text,
-- $6 reason text, $7 meta text (JSON), $8 dead_at int8. Returns nothing.
INSERT INTO stem_dead_letters (queue, task_id, envelope, reason, meta, dead_at)
SELECT $3, $4, $5, $6, $7, $8 FROM (
  SELECT id FROM stem_jobs WHERE id = $1 AND token = $2 FOR UPDATE
) AS held
