-- Deletes expired heartbeats. ?1 now.
DELETE FROM stem_heartbeats WHERE expires_at <= ?1
