-- Deletes dead letters older than the retention. $1 cutoff int8. Returns nothing (the row count).
DELETE FROM stem_dead_letters WHERE dead_at < $1
