-- Upserts a status (run once per row in one transaction), keeping created_at of a live record
-- and bumping version. ?1 id, ?2 state, ?3 queue|NULL, ?4 status JSON, ?5 expires_at, ?6 now.
-- Returns id, created_at, version.
INSERT INTO stem_results (id, state, queue, status, version, created_at, updated_at, expires_at)
VALUES (?1, ?2, ?3, ?4, 1, ?6, ?6, ?5)
ON CONFLICT (id) DO UPDATE SET
  state = excluded.state, queue = excluded.queue, status = excluded.status,
  version = stem_results.version + 1,
  created_at = CASE WHEN stem_results.expires_at > excluded.updated_at
                    THEN stem_results.created_at ELSE excluded.created_at END,
  updated_at = excluded.updated_at, expires_at = excluded.expires_at
RETURNING id, created_at, version
