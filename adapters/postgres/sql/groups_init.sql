-- Creates or resets a group (results and chord claim cleared).
-- $1 id text, $2 expected int4, $3 meta text (JSON), $4 expires_at int8. Returns nothing.
INSERT INTO stem_groups AS g (id, expected, meta, results, chord_callback, chord_claimed_at,
  expires_at)
VALUES ($1, $2, $3, '{}'::jsonb, NULL, NULL, $4)
ON CONFLICT (id) DO UPDATE SET
  expected = EXCLUDED.expected, meta = EXCLUDED.meta, results = '{}'::jsonb,
  chord_callback = NULL, chord_claimed_at = NULL, expires_at = EXCLUDED.expires_at
