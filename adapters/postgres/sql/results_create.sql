-- Inserts a status only when no live record has its id (an expired one is replaced), and
-- NOTIFYs watchers like results_set.sql.
-- $1 id text, $2 state text, $3 queue text|NULL, $4 status text (JSON without createdAt),
-- $5 now int8, $6 expires_at int8. Returns id, created_at when written.
WITH up AS (
  INSERT INTO stem_results AS r (id, state, queue, status, created_at, updated_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $5, $6)
  ON CONFLICT (id) DO UPDATE SET
    state = EXCLUDED.state, queue = EXCLUDED.queue, status = EXCLUDED.status,
    created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
    expires_at = EXCLUDED.expires_at
  WHERE r.expires_at <= EXCLUDED.updated_at
  RETURNING id, created_at, watched_until
)
SELECT up.id, up.created_at,
  CASE WHEN up.watched_until > $5
         OR EXISTS (SELECT 1 FROM stem_watchers w WHERE w.task_id = $1) THEN
    pg_notify(lower(current_schema()) || '_results',
              CASE WHEN octet_length($4) < 7000
                   THEN $1 || chr(10) || up.created_at || chr(10) || $4
                   ELSE $1 END)
  END AS notified
FROM up
