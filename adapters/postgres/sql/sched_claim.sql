-- Claims up to $2 enabled entries due by $1 whose claim is free or lapsed at $5, for owner $3
-- until $4. SKIP LOCKED: racing claimers take disjoint rows, and the re-check of the WHERE on a
-- row another claimer just committed skips it.
UPDATE stem_schedules SET claim_owner = $3, claim_until = $4::int8
WHERE id IN (
  SELECT id FROM stem_schedules
  WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= $1::int8
    AND (claim_until IS NULL OR claim_until <= $5::int8)
  ORDER BY next_run_at LIMIT $2::int4 FOR UPDATE SKIP LOCKED
)
AND enabled = 1 AND next_run_at <= $1::int8 AND (claim_until IS NULL OR claim_until <= $5::int8)
RETURNING id, input, enabled, version, next_run_at, last_run_at, total_run_count, last_error, last_error_at, last_drift_ms
