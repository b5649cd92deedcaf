-- fieldreport server storage, schema version 9: every surface behind the same walls.

-- Who proved they hold a file's bytes (sent them whole, and they hashed right). A member reads a
-- file only through a document they may see whose owner is among its holders: a hash named in a
-- document grants nothing by itself. Files stored before this were proved by their uploader.
CREATE TABLE blob_holders (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (hash, user_id)
);
INSERT INTO blob_holders (hash, user_id, at) SELECT hash, uploader, stored_at FROM blobs;

-- The one row /healthz writes while storage was found full, to see whether space returned.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL
);

-- The key that signs the dashboard's file links (a link names the file, the record it is read
-- through and when it expires): made once, shared by every server process.
CREATE TABLE link_keys (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
