-- Schema version 14: the organisation's departments, from the directory.

ALTER TABLE members ADD COLUMN dept_id TEXT;
CREATE TABLE departments (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    parent_id TEXT,
    heads     TEXT NOT NULL
);
