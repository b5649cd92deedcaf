-- fieldreport server storage, schema version 5.

-- Work the service owes the data after an upgrade (e.g. `rebuild_rollups`: documents stored
-- before rollups existed), done and cleared when the service opens.
CREATE TABLE flags (
    name    TEXT PRIMARY KEY,
    set_at  INTEGER NOT NULL
);

-- The robot outbox is claimed before a message is sent: a worker takes a lease, so that
-- several server processes never send one message twice (see docs/concurrency.md).
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until INTEGER;

-- The last feed position given. Positions come from this counter rather than MAX(seq) + 1,
-- which gave a deleted document's position again: a device whose cursor had passed it would
-- never receive the document that reused it.
CREATE TABLE feed_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL
);
INSERT INTO feed_head (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM docs;

-- Stored documents that cannot be loaded: set aside so that one damaged document never affects
-- another. The feed goes on without them; the owner's next sync is asked for the whole
-- document, which heals it; `fieldreport-server doctor` lists them.
CREATE TABLE quarantine (
    doc_id  TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    owner   TEXT NOT NULL,
    reason  TEXT NOT NULL,
    since   INTEGER NOT NULL
);
CREATE INDEX quarantine_owner ON quarantine(owner);

-- People: a member's phone (for robots' @mentions) and whether they are active (a deactivated
-- member keeps their name but signs in and receives reports no more); the directory devices
-- receive is published again whenever a member changes (directory_version).
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE team ADD COLUMN directory_version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE published_directory (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    doc_id   TEXT NOT NULL,
    version  INTEGER NOT NULL
);
