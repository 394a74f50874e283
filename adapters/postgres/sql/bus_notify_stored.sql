-- Stores an event-bus message too large for NOTIFY (8000 bytes) in stem_kv and sends a
-- reference to it on "<schema>_bus", in one statement (the row is committed when the
-- notification is delivered). $1 key text, $2 body text, $3 expires_at int8,
-- $4 reference text (JSON {topic, ref}). Returns nothing useful.
WITH stored AS (
  INSERT INTO stem_kv (key, value, expires_at) VALUES ($1, $2, $3::int8)
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
  RETURNING key
)
SELECT pg_notify(lower(current_schema()) || '_bus', $4) AS sent FROM stored
