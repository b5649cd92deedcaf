-- Schema version 10: a file's bytes in a table of their own. SQLite rewrites a whole row on any
-- update, so with the bytes in `blobs` every change of `uploaded`, `present` or `last_used`
-- (each piece of a download, each time a photo is shown) read and rewrote the whole file: a
-- 20 MB upload's end cost 40 MB of memory and 20 MB of log. Now those updates touch a small row.
CREATE TABLE blob_data (
    id   INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
ALTER TABLE blobs ADD COLUMN data_id INTEGER;
INSERT INTO blob_data (id, data) SELECT rowid, data FROM blobs;
UPDATE blobs SET data_id = rowid;
ALTER TABLE blobs DROP COLUMN data;
-- Whatever deletes a file's row deletes its bytes.
CREATE TRIGGER blobs_bytes_go AFTER DELETE ON blobs BEGIN
    DELETE FROM blob_data WHERE id = OLD.data_id;
END;
