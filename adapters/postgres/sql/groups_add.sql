-- Records a member's status in a live group; the row lock serialises concurrent members, so
-- each caller sees every result committed before its own.
-- $1 group id text, $2 task id text, $3 status text (JSON), $4 now int8.
-- Returns expected, meta, results (jsonb), chord_callback, chord_claimed_at; no row if missing.
UPDATE stem_groups
SET results = results || jsonb_build_object($2::text, $3::text::jsonb)
WHERE id = $1 AND expires_at > $4
RETURNING expected, meta, results, chord_callback, chord_claimed_at
