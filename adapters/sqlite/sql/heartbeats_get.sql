-- Reads a live heartbeat. ?1 worker id, ?2 now.
SELECT heartbeat FROM stem_heartbeats WHERE worker_id = ?1 AND expires_at > ?2
