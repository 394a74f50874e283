-- Deletes expired statuses. $1 now int8. Returns nothing (the row count).
DELETE FROM stem_results WHERE expires_at <= $1
