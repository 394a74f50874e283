-- Deletes one leased message held with claim token $2. $1 id int8, $2 token int4.
-- Returns nothing; the affected row count says whether it was still held.
DELETE FROM stem_jobs WHERE id = $1 AND token = $2
