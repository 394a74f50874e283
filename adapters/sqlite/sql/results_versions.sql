-- Versions of watched statuses. ?1 ids JSON array, ?2 now.
-- Returns id, status, created_at, updated_at, version.
SELECT id, status, created_at, updated_at, version FROM stem_results
WHERE id IN (SELECT value FROM json_each(?1)) AND expires_at > ?2
