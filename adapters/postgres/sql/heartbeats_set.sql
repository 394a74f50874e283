-- Stores a worker heartbeat. $1 worker id text, $2 heartbeat text (JSON), $3 expires_at int8.
-- Returns nothing.
INSERT INTO stem_heartbeats (worker_id, heartbeat, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (worker_id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat,
  expires_at = EXCLUDED.expires_at
