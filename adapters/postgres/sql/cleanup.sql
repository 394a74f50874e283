-- Deletes expired statuses, groups, heartbeats and watches. $1 now int8.
-- Returns removed (int8), the total number of rows deleted.
WITH a AS (DELETE FROM stem_results WHERE expires_at <= $1 RETURNING 1),
     b AS (DELETE FROM stem_groups WHERE expires_at <= $1 RETURNING 1),
     c AS (DELETE FROM stem_heartbeats WHERE expires_at <= $1 RETURNING 1),
     d AS (DELETE FROM stem_watchers WHERE expires_at <= $1 RETURNING 1)
SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c)
  + (SELECT count(*) FROM d) AS removed
