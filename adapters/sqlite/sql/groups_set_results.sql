-- Stores a group's results (inside the addGroupResult transaction). ?1 id, ?2 results JSON.
UPDATE stem_groups SET results = ?2 WHERE id = ?1
