-- Resets a status's expiry. ?1 id, ?2 expires_at.
UPDATE stem_results SET expires_at = ?2 WHERE id = ?1
