-- fieldreport server storage, schema version 1.

CREATE TABLE team (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    team_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    tz          TEXT NOT NULL,
    week_start  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    manager_id  TEXT REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX users_manager ON users(manager_id);

-- One-time enrollment codes, stored as hashes.
CREATE TABLE enroll_codes (
    code_hash   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- Devices: a token (stored as its hash) bound to a user and an Automerge actor.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    actor        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX devices_user ON devices(user_id);
CREATE INDEX devices_actor ON devices(actor);

-- Every document, merged. `seq` is its position in the change feed (bumped on every change).
CREATE TABLE docs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    heads       BLOB NOT NULL,
    size        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_owner_seq ON docs(owner, seq);
CREATE INDEX docs_owner_kind_seq ON docs(owner, kind, seq);

-- Who a report is addressed to.
CREATE TABLE recipients (
    doc_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, user_id)
);
CREATE INDEX recipients_user ON recipients(user_id, doc_id);

-- What each device is known to hold of each document: `heads` it confirmed (by pushing them, or
-- by moving its cursor past a page that carried them), and `sent_heads` of the last page not yet
-- confirmed.
CREATE TABLE device_docs (
    device_id  TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    heads      BLOB,
    sent_heads BLOB,
    sent_seq   INTEGER,
    PRIMARY KEY (device_id, doc_id)
);
CREATE INDEX device_docs_sent ON device_docs(device_id, sent_seq) WHERE sent_seq IS NOT NULL;
