-- fieldreport server storage, schema version 6: the rep's day (SQLite schema 11).

-- Planned visits (拜访计划), indexed from their documents at each merge: a manager's dashboard
-- lists each member's plans of a period and the ones missed.
CREATE TABLE plan_index (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    planned_on  TEXT NOT NULL,
    planned_at  TEXT,
    purpose     TEXT NOT NULL,
    status      TEXT NOT NULL,
    followup_id TEXT,
    live        BIGINT NOT NULL
);
CREATE INDEX plan_index_owner_day ON plan_index(owner, planned_on);

-- Followups now say whether they carried out a plan (计划外拜访 counts those that did not): the
-- service computes every record's facts again when it opens.
INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0) ON CONFLICT DO NOTHING;
