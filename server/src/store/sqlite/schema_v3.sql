-- fieldreport server storage, schema version 3: the outbox of messages to group-chat robots.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    robot       TEXT NOT NULL,
    event       TEXT NOT NULL,
    -- What the message is about (a report id, an alert id): each is sent once per robot.
    subject     TEXT NOT NULL,
    title       TEXT NOT NULL,
    markdown    TEXT NOT NULL,
    -- pending, sent or failed (after the last attempt).
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    UNIQUE (robot, event, subject)
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE status = 'pending';

-- The web dashboard: one-time sign-in links, sessions (both stored as hashes), read receipts.
CREATE TABLE login_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE TABLE report_reads (
    report_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
