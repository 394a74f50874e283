-- Gives owner ?2's claim of entry ?1 back.
UPDATE stem_schedules SET claim_owner = NULL, claim_until = NULL WHERE id = ?1 AND claim_owner = ?2
