-- Settles deliveries with their final statuses in ONE statement (issue 10): upserts the statuses
-- as results_set.sql does (created_at of live records kept, watched ones NOTIFYed), and acks the
-- jobs as jobs_delete.sql does, atomically: a status is stored before its message is gone. Run
-- once with one array per column; status ids distinct.
-- $1 id text[], $2 state text[], $3 queue text[] (NULL entries allowed), $4 status: a JSON array of
-- the status texts (JSON without createdAt), $5 expires_at int8[], $6 job id int8[], $7 job token int4[],
-- $8 now int8.
-- Returns id, created_at for each status (the DELETE runs whether or not it is referenced).
WITH input AS (
  -- One JSON array for the documents, as in results_set.sql.
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::text[], ARRAY(SELECT json_array_elements_text($4::json)),
    $5::int8[]
  )
    AS t(id, state, queue, status, expires_at)
), up AS (
  INSERT INTO stem_results AS r (id, state, queue, status, created_at, updated_at, expires_at)
  SELECT id, state, queue, status, $8, $8, expires_at FROM input
  ON CONFLICT (id) DO UPDATE SET
    state = EXCLUDED.state,
    queue = EXCLUDED.queue,
    status = EXCLUDED.status,
    updated_at = EXCLUDED.updated_at,
    expires_at = EXCLUDED.expires_at,
    created_at = CASE WHEN r.expires_at > EXCLUDED.updated_at THEN r.created_at
                      ELSE EXCLUDED.created_at END
  RETURNING id, created_at, watched_until
), acked AS (
  -- The same filter as jobs_delete.sql: a row whose token moved on (re-leased) stays.
  DELETE FROM stem_jobs AS j
  WHERE j.id = ANY($6::int8[])
    AND (j.id, j.token) IN (SELECT a.id, a.token FROM unnest($6::int8[], $7::int4[]) AS a(id, token))
  RETURNING j.id
)
SELECT up.id, up.created_at,
  CASE WHEN up.watched_until > $8
         OR EXISTS (SELECT 1 FROM stem_watchers w WHERE w.task_id = up.id) THEN
    pg_notify(lower(current_schema()) || '_results',
              CASE WHEN octet_length(input.status) < 7000
                   THEN up.id || chr(10) || up.created_at || chr(10) || input.status
                   ELSE up.id END)
  END AS notified
FROM up JOIN input USING (id)
