-- Acks (or drops) a leased message held with claim token ?2. ?1 id. Returns nothing.
DELETE FROM stem_jobs WHERE id = ?1 AND token = ?2
