-- fieldreport server storage, schema version 6: people and places.

-- Check-ins and the customers' locations, so that a check-in far from its customer raises an
-- alert (外勤签到异常). An upgrade from schema 5 fills them by a rebuild of the rollups (see
-- `migrate`); a new data directory starts empty.
ALTER TABLE followup_index ADD COLUMN customer_id TEXT;
ALTER TABLE followup_index ADD COLUMN checkin_lat REAL;
ALTER TABLE followup_index ADD COLUMN checkin_lon REAL;
ALTER TABLE followup_index ADD COLUMN checkin_at INTEGER;
CREATE INDEX followup_index_checkin ON followup_index(owner, checkin_at) WHERE checkin_at IS NOT NULL;

CREATE TABLE customer_index (
    id     TEXT PRIMARY KEY,
    owner  TEXT NOT NULL,
    name   TEXT NOT NULL,
    lat    REAL,
    lon    REAL,
    live   INTEGER NOT NULL
);

-- How many comments a report has (the dashboard's home shows it beside each report).
ALTER TABLE report_index ADD COLUMN comments INTEGER NOT NULL DEFAULT 0;

-- A device's name as its user gave it at enrollment (`enroll --name "张伟的手机"`).
ALTER TABLE devices ADD COLUMN name TEXT;

-- Sign-in with the phone (扫码登录): the browser shows a code; an enrolled device of the user
-- approves it; the browser that asked (and only it, by the secret in its cookie) is signed in,
-- once. Codes and browser secrets are stored as hashes.
CREATE TABLE web_login_codes (
    code_hash     TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    approved_by   TEXT,
    device_id     TEXT,
    approved_at   INTEGER,
    used_at       INTEGER
);

-- Sessions get a public id (to list and revoke them), how they began, and when last used.
ALTER TABLE sessions ADD COLUMN id TEXT;
ALTER TABLE sessions ADD COLUMN via TEXT NOT NULL DEFAULT 'link';
UPDATE sessions SET id = substr(token_hash, 1, 16) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id ON sessions(id);
CREATE INDEX sessions_user ON sessions(user_id);
