-- Schema version 13: the rep's day.

-- Planned visits (拜访计划): tomorrow's fill the daily's plan section; a period's give its plan
-- completion (计划完成率).
CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    team        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    planned_on  TEXT NOT NULL,
    planned_at  TEXT,
    purpose     TEXT NOT NULL,
    status      TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    followup_id TEXT,
    created_at  INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX plans_owner_day ON plans(owner, planned_on);

-- Whether a followup carried out a plan (计划外拜访 counts the visits that did not). No followup
-- written before this version did.
ALTER TABLE followups ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;
