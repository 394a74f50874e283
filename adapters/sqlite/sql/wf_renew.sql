-- Extends ?2's live lease. ?1 id, ?2 owner, ?3 now, ?4 lease ms. Returns id.
UPDATE stem_workflow_runs SET lease_expires_at = ?3 + ?4
WHERE id = ?1 AND owner_id = ?2 AND lease_expires_at > ?3
RETURNING id
