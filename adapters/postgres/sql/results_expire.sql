-- Resets the expiry of a task status. $1 id text, $2 expires_at int8. Returns nothing.
UPDATE stem_results SET expires_at = $2 WHERE id = $1
