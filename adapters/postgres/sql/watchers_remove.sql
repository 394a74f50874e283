-- Removes a watch. $1 task id text, $2 watcher id text. Returns nothing.
DELETE FROM stem_watchers WHERE task_id = $1 AND watcher = $2
