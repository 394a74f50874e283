-- Removes the dead letters a replay takes, oldest first. ?1 queue, ?2 since, ?3 limit.
-- Returns id, envelope, reason, meta, dead_at (unordered).
DELETE FROM stem_dead_letters WHERE id IN (
  SELECT id FROM stem_dead_letters WHERE queue = ?1 AND dead_at >= ?2
  ORDER BY dead_at, id LIMIT ?3
)
RETURNING id, envelope, reason, meta, dead_at
