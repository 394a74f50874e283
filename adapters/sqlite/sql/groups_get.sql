-- Reads a live group. ?1 id, ?2 now.
SELECT expected, meta, results, chord_callback, chord_claimed_at FROM stem_groups
WHERE id = ?1 AND expires_at > ?2
