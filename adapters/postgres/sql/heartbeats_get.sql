-- Reads a live heartbeat. $1 worker id text, $2 now int8. Returns heartbeat.
SELECT heartbeat FROM stem_heartbeats WHERE worker_id = $1 AND expires_at > $2
