-- Removes the dead letters a replay takes, oldest first (run in the replay transaction).
-- $1 queue text, $2 since int8, $3 limit int4. Returns id, envelope, reason, meta, dead_at
-- (unordered).
WITH chosen AS (
  SELECT id FROM stem_dead_letters
  WHERE queue = $1 AND dead_at >= $2 ORDER BY dead_at, id LIMIT $3
  FOR UPDATE SKIP LOCKED
)
DELETE FROM stem_dead_letters AS d USING chosen WHERE d.id = chosen.id
RETURNING d.id, d.envelope, d.reason, d.meta, d.dead_at
