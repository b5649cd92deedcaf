-- fieldreport server storage, schema version 7: attachments.

-- Files the attachment store holds whole (verified: hash, kind, size), and who uploaded them.
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    uploader   TEXT NOT NULL,
    stored_at  INTEGER NOT NULL,
    -- When collection first found no document referencing it (NULL while referenced); the
    -- file goes after the team's grace period from then.
    unreferenced_since INTEGER
);
CREATE INDEX blobs_uploader ON blobs(uploader);

-- Which documents reference which files: who may fetch a file (a reader of one of them), what
-- may be uploaded (a file a document of the uploader references), what is garbage.
CREATE TABLE blob_refs (
    hash    TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
);
CREATE INDEX blob_refs_doc ON blob_refs(doc_id);

-- Bytes each member uploaded each day (the daily limit).
CREATE TABLE blob_usage (
    user_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Thumbnails the dashboard shows, made once.
CREATE TABLE thumbnails (
    hash     TEXT PRIMARY KEY,
    bytes    BLOB NOT NULL,
    made_at  INTEGER NOT NULL
);
