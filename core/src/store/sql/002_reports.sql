-- Schema version 2: reports.

CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    team         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    period_first TEXT NOT NULL,
    period_last  TEXT NOT NULL,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL,
    submitted_at INTEGER,
    created_at   INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_owner_period ON reports(owner, period_first);
CREATE INDEX reports_period ON reports(period_first, period_last);

-- Who a report is addressed to (role 'to' or 'cc'), for inboxes.
CREATE TABLE report_recipients (
    report_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    PRIMARY KEY (report_id, user_id, role)
);
CREATE INDEX report_recipients_user ON report_recipients(user_id);
