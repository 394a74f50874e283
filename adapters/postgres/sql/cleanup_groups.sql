-- Deletes expired groups. $1 now int8. Returns nothing (the row count).
DELETE FROM stem_groups WHERE expires_at <= $1
