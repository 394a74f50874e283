-- Deletes dead letters newest first. ?1 queue, ?2 since, ?3 limit.
DELETE FROM stem_dead_letters WHERE id IN (
  SELECT id FROM stem_dead_letters WHERE queue = ?1 AND dead_at >= ?2
  ORDER BY dead_at DESC, id DESC LIMIT ?3
)
