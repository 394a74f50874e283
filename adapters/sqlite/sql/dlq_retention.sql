-- Deletes dead letters older than the retention. ?1 cutoff.
DELETE FROM stem_dead_letters WHERE dead_at < ?1
