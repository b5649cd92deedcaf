-- Schema version 7: people.

-- The team directory the server published, as this device read it: who is who, offline.
CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    manager_id  TEXT,
    active      INTEGER NOT NULL,
    phone       TEXT
);
CREATE INDEX members_name ON members(name);
