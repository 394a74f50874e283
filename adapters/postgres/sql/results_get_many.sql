-- Reads the live statuses of many tasks in one statement (the worker's stale-copy checks of a
-- claimed batch). $1 id text[], $2 now int8.
-- Returns id, status, created_at, updated_at for each live row (missing ids: no row).
SELECT id, status, created_at, updated_at FROM stem_results
WHERE id = ANY($1::text[]) AND expires_at > $2
