-- Deletes one leased message held with claim token ?2. ?1 id, ?2 token.
DELETE FROM stem_jobs WHERE id = ?1 AND token = ?2
