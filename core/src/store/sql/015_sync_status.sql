-- Schema version 15: how the last sync ended, for a status to show (`sync_status`).

-- 'ok', 'offline' (the server could not be reached) or 'error'; NULL before the first sync.
ALTER TABLE sync_state ADD COLUMN last_outcome TEXT;
-- What went wrong in the last sync that failed, until one succeeds.
ALTER TABLE sync_state ADD COLUMN last_error TEXT;
