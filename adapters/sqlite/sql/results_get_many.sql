-- Reads the live statuses of many tasks in one statement. ?1 id JSON array, ?2 now.
-- Returns id, status, created_at, updated_at, version for each live row (missing ids: no row).
SELECT id, status, created_at, updated_at, version FROM stem_results
WHERE id IN (SELECT value FROM json_each(?1)) AND expires_at > ?2
