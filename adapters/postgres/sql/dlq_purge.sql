-- Deletes dead letters newest first. $1 queue text, $2 since int8, $3 limit int8.
-- Returns nothing; the affected row count is the number removed.
WITH chosen AS (
  SELECT id FROM stem_dead_letters
  WHERE queue = $1 AND dead_at >= $2 ORDER BY dead_at DESC, id DESC LIMIT $3
)
DELETE FROM stem_dead_letters AS d USING chosen WHERE d.id = chosen.id
