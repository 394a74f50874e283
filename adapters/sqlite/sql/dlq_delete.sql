-- Deletes one dead letter by row id. ?1 id.
DELETE FROM stem_dead_letters WHERE id = ?1
