-- Inserts statuses only where no live record has the id (an expired one is replaced), run once
-- with one array per column (ids distinct), and NOTIFYs watchers like results_set.sql.
-- $1 id text[], $2 state text[], $3 queue text[] (NULL entries allowed), $4 status: a JSON array
-- of the status texts (JSON without createdAt), $5 expires_at int8[], $6 now int8.
-- Returns id, created_at for each row written; an id left out had a live record.
WITH input AS (
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::text[], ARRAY(SELECT json_array_elements_text($4::json)),
    $5::int8[]
  )
    AS t(id, state, queue, status, expires_at)
), up AS (
  INSERT INTO stem_results AS r (id, state, queue, status, created_at, updated_at, expires_at)
  SELECT id, state, queue, status, $6, $6, expires_at FROM input
  ON CONFLICT (id) DO UPDATE SET
    state = EXCLUDED.state, queue = EXCLUDED.queue, status = EXCLUDED.status,
    created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
    expires_at = EXCLUDED.expires_at
  WHERE r.expires_at <= EXCLUDED.updated_at
  RETURNING id, created_at, watched_until
)
SELECT up.id, up.created_at,
  CASE WHEN up.watched_until > $6
         OR EXISTS (SELECT 1 FROM stem_watchers w WHERE w.task_id = up.id) THEN
    pg_notify(lower(current_schema()) || '_results',
              CASE WHEN octet_length(input.status) < 7000
                   THEN up.id || chr(10) || up.created_at || chr(10) || input.status
                   ELSE up.id END)
  END AS notified
FROM up JOIN input USING (id)
