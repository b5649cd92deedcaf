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
