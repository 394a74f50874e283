-- Records a member's status in a live group in one statement (SQLite serialises writers).
-- ?1 group id, ?2 task id, ?3 status JSON, ?4 now.
-- Returns expected, meta, results (JSON text), chord_callback, chord_claimed_at.
UPDATE stem_groups
SET results = json_set(results, '$."' || replace(replace(?2, '\', '\\'), '"', '\"') || '"', json(?3))
WHERE id = ?1 AND expires_at > ?4
RETURNING expected, meta, results, chord_callback, chord_claimed_at
