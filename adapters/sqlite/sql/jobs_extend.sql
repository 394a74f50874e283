-- Moves the lease deadline of a held message. ?1 id, ?2 token, ?3 until.
-- Returns id when the lease was still held.
UPDATE stem_jobs SET locked_until = ?3, visible_at = ?3
WHERE id = ?1 AND token = ?2 AND locked_until IS NOT NULL
RETURNING id
