-- Schema version 9: attached files' bytes, content-addressed (a file attached to two records is
-- stored once), and where each stands with the server.
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    -- 'own': attached on this device, never evicted; 'download': fetched from the server,
    -- evicted least recently used beyond the cache's size.
    origin     TEXT NOT NULL,
    -- Bytes present from the start (a download in progress has fewer than `size`).
    present    INTEGER NOT NULL,
    -- Whether the server has the file (own files).
    uploaded   INTEGER NOT NULL DEFAULT 0,
    last_used  INTEGER NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX blobs_unsent ON blobs(origin, uploaded);
CREATE INDEX blobs_lru ON blobs(origin, last_used);

-- A followup's attachments (JSON), so that a report's followup block shows its photos without
-- loading documents (filled for existing followups by the migration's code).
ALTER TABLE followups ADD COLUMN attachments TEXT;

-- The files each live followup and report shows (a report: its own and its blocks' photos):
-- which files a download may ask for, and which unsent files still matter.
CREATE TABLE attachment_refs (
    hash    TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    name    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    mime    TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
);
CREATE INDEX attachment_refs_doc ON attachment_refs(doc_id);

-- The size of the cache of downloaded files (NULL: the default, 256 MB).
ALTER TABLE device ADD COLUMN attachment_cache_bytes INTEGER;
