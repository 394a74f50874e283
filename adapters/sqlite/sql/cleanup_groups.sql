-- Deletes expired groups. ?1 now.
DELETE FROM stem_groups WHERE expires_at <= ?1
