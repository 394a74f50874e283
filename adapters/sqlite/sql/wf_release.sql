-- Releases ?2's lease. ?1 id, ?2 owner.
UPDATE stem_workflow_runs SET owner_id = NULL, lease_expires_at = NULL WHERE id = ?1 AND owner_id = ?2
