-- Deletes expired watch registrations. $1 now int8. Returns nothing (the row count).
DELETE FROM stem_watchers WHERE expires_at <= $1
