-- Claims the chord callback; only the first caller gets a row. ?1 id, ?2 callback id, ?3 now.
UPDATE stem_groups SET chord_callback = ?2, chord_claimed_at = ?3
WHERE id = ?1 AND chord_callback IS NULL AND expires_at > ?3
RETURNING id
