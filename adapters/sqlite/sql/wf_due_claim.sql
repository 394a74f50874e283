-- Claims up to ?3 runs due at ?1: their due time moves to ?2 (a claim that is never
-- resumed comes due again). Returns id.
UPDATE stem_workflow_runs SET due_at = ?2
WHERE id IN (
  SELECT id FROM stem_workflow_runs WHERE due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at LIMIT ?3
)
RETURNING id
