-- Deletes the pending and delayed (not leased) messages of a queue. $1 queue text, $2 now int8.
-- Returns nothing; the affected row count is the number removed.
DELETE FROM stem_jobs WHERE queue = $1 AND (locked_until IS NULL OR visible_at <= $2)
