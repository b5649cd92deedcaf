-- Schema version 6: server documents this device set aside.
--
-- `apply`: what the server sent could not be applied (damaged or hostile bytes); the document
-- is asked for whole at the next sync. `server`: the server said its copy is damaged and
-- unavailable for now. A document that arrives whole and applies leaves this table.
CREATE TABLE set_aside (
    id      TEXT PRIMARY KEY,
    source  TEXT NOT NULL CHECK (source IN ('apply', 'server')),
    reason  TEXT NOT NULL,
    at      INTEGER NOT NULL
);
