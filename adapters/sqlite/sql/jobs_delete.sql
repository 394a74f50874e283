-- Acks (or drops) a leased message held with claim token ?2 (run once per row in one
-- transaction). ?1 id, ?2 token. Returns nothing.
DELETE FROM stem_jobs WHERE id = ?1 AND token = ?2
