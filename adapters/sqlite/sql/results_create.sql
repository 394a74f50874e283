-- Inserts a status only when no live record has its id (an expired one is replaced); run once
-- per row in one transaction. ?1 id, ?2 state, ?3 queue|NULL, ?4 status JSON, ?5 expires_at,
-- ?6 now. Returns id, created_at, version when written.
INSERT INTO stem_results (id, state, queue, status, version, created_at, updated_at, expires_at)
VALUES (?1, ?2, ?3, ?4, 1, ?6, ?6, ?5)
ON CONFLICT (id) DO UPDATE SET
  state = excluded.state, queue = excluded.queue, status = excluded.status,
  version = stem_results.version + 1, created_at = excluded.created_at,
  updated_at = excluded.updated_at, expires_at = excluded.expires_at
WHERE stem_results.expires_at <= excluded.updated_at
RETURNING id, created_at, version
