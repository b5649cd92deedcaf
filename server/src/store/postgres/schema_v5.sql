-- fieldreport server storage, schema version 5: figures a team can act on (SQLite schema 10).

-- When a member was deactivated: their obligations (reports due, targets) end then. Members
-- deactivated before this was recorded are taken as having left when the server was upgraded.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
UPDATE users SET deactivated_at = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT WHERE active = 0;
-- Devices learn both from the directory: publish it again.
UPDATE team SET directory_version = directory_version + 1 WHERE id = 1;

-- The server's record of each report a member owed, made at its deadline plus the grace: who
-- had not submitted is recorded whatever any device does, against the deadline then in force
-- (a later change of deadlines does not reach back). A report that comes later turns `missing`
-- into `late`.
CREATE TABLE obligations (
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    last         TEXT NOT NULL,
    due_at       BIGINT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    status       TEXT NOT NULL,
    report_id    TEXT,
    submitted_at BIGINT,
    PRIMARY KEY (user_id, kind, last)
);
CREATE INDEX obligations_due ON obligations(due_at);

-- Alerts the robots were told (in a manager's daily message): none is told twice.
CREATE TABLE announced_alerts (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);

-- A check-in's distance from its customer, measured once when the server first could (the
-- check-in merged with the customer's location known) and never again: moving the customer
-- later does not rewrite the evidence. Kept apart from the indexes a rebuild recomputes.
CREATE TABLE checkin_evidence (
    followup_id  TEXT PRIMARY KEY,
    metres       DOUBLE PRECISION NOT NULL,
    customer_lat DOUBLE PRECISION NOT NULL,
    customer_lon DOUBLE PRECISION NOT NULL,
    measured_at  BIGINT NOT NULL
);

-- Every change of a customer's location: who, when, from where to where (shown to managers).
CREATE TABLE location_changes (
    customer_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    from_lat    DOUBLE PRECISION,
    from_lon    DOUBLE PRECISION,
    to_lat      DOUBLE PRECISION,
    to_lon      DOUBLE PRECISION
);
CREATE INDEX location_changes_at ON location_changes(at);
