-- Migration 0002: the AtomicKv table and a delivery count on messages.
-- Applied like 0001 (one BEGIN IMMEDIATE transaction). Never edit once released.

-- Atomic key-value entries; expires_at NULL means never. Expired rows read as absent and are
-- deleted by the periodic cleanup.
CREATE TABLE stem_kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER
);
CREATE INDEX stem_kv_expires ON stem_kv (expires_at) WHERE expires_at IS NOT NULL;

-- How many times a message has been handed out (every claim, lease-expiry reclaims too).
ALTER TABLE stem_jobs ADD COLUMN deliveries INTEGER NOT NULL DEFAULT 0;
