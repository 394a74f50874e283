-- Deletes expired statuses. ?1 now.
DELETE FROM stem_results WHERE expires_at <= ?1
