-- Schema version 4: sync with a team server.

-- The enrolled server and this device's position in its change feed (one row).
CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    token        TEXT NOT NULL,
    role         TEXT NOT NULL,
    cursor       INTEGER NOT NULL DEFAULT 0,
    enrolled_at  INTEGER NOT NULL,
    last_sync_at INTEGER
);

-- A document the server refused: the reason, and the heads that were refused. It is not sent
-- again until it changes.
ALTER TABLE documents ADD COLUMN rejected_reason TEXT;
ALTER TABLE documents ADD COLUMN rejected_heads BLOB;
