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
