-- Reads a live group. $1 id text, $2 now int8.
-- Returns expected, meta, results (jsonb), chord_callback, chord_claimed_at.
SELECT expected, meta, results, chord_callback, chord_claimed_at FROM stem_groups
WHERE id = $1 AND expires_at > $2
