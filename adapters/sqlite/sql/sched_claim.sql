-- Claims up to ?2 enabled entries due by ?1 whose claim is free or lapsed at ?5, for owner ?3
-- until ?4. One writer at a time: the UPDATE is atomic, so racing claimers never share
-- an entry.
UPDATE stem_schedules SET claim_owner = ?3, claim_until = ?4
WHERE id IN (
  SELECT id FROM stem_schedules
  WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= ?1
    AND (claim_until IS NULL OR claim_until <= ?5)
  ORDER BY next_run_at LIMIT ?2
)
AND enabled = 1 AND next_run_at <= ?1 AND (claim_until IS NULL OR claim_until <= ?5)
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
