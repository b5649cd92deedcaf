-- Schema version 11: what phone apps need of the store.

-- Each save of a document takes the next number of this device's own sequence, so that an app
-- observing the data learns which records changed since it last looked (after its own writes
-- and after each page a sync commits).
ALTER TABLE documents ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX documents_change_seq ON documents(change_seq);

-- What customer search matches besides the name: the address, the tags, and the name in pinyin,
-- whole and by initials (搜 "hw" finds 华为). Lower case; filled by the migration's code.
ALTER TABLE customers ADD COLUMN search TEXT NOT NULL DEFAULT '';

-- Reports addressed to this device's user that the user has read here, and whether the server
-- has been told (it records a read receipt for the author).
CREATE TABLE report_reads (
    report_id TEXT PRIMARY KEY,
    at        INTEGER NOT NULL,
    sent      INTEGER NOT NULL DEFAULT 0
);

-- Lists page by (sort key, id): an index for each sort a list offers.
DROP INDEX followups_time;
CREATE INDEX followups_time ON followups(occurred_at, id);
CREATE INDEX customers_name ON customers(name, id);
CREATE INDEX deals_created ON deals(created_at, id);
