-- Stores a heartbeat. ?1 worker id, ?2 heartbeat JSON, ?3 expires_at.
INSERT INTO stem_heartbeats (worker_id, heartbeat, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (worker_id) DO UPDATE SET heartbeat = excluded.heartbeat,
  expires_at = excluded.expires_at
