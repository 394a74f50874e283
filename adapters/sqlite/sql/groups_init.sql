-- Creates or resets a group. ?1 id, ?2 expected, ?3 meta JSON, ?4 expires_at.
INSERT INTO stem_groups (id, expected, meta, results, chord_callback, chord_claimed_at, expires_at)
VALUES (?1, ?2, ?3, '{}', NULL, NULL, ?4)
ON CONFLICT (id) DO UPDATE SET expected = excluded.expected, meta = excluded.meta,
  results = '{}', chord_callback = NULL, chord_claimed_at = NULL, expires_at = excluded.expires_at
