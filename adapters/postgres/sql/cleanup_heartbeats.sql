-- Deletes expired heartbeats. $1 now int8. Returns nothing (the row count).
DELETE FROM stem_heartbeats WHERE expires_at <= $1
