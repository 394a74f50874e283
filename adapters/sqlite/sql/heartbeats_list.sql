-- Lists live heartbeats. ?1 now.
SELECT heartbeat FROM stem_heartbeats WHERE expires_at > ?1 ORDER BY worker_id
