-- Live statuses, newest update first. ?1 now, ?2 state|NULL, ?3 queue|NULL, ?4 limit, ?5 offset.
SELECT status, created_at, updated_at FROM stem_results
WHERE expires_at > ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR queue = ?3)
ORDER BY updated_at DESC, id DESC LIMIT ?4 OFFSET ?5
