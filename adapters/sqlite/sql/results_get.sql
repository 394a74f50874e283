-- Reads a live status. ?1 id, ?2 now. Returns status, created_at, updated_at, version.
SELECT status, created_at, updated_at, version FROM stem_results
WHERE id = ?1 AND expires_at > ?2
