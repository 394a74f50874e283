-- Claims a group's chord callback; only the first caller gets a row back.
-- $1 id text, $2 callback task id text, $3 now int8. Returns id when claimed.
UPDATE stem_groups SET chord_callback = $2, chord_claimed_at = $3
WHERE id = $1 AND chord_callback IS NULL AND expires_at > $3
RETURNING id
