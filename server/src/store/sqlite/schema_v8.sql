-- fieldreport server storage, schema version 8: the manager's week.

-- Whom a robot message @mentions, JSON [{"name", "phone"}]: DingTalk and WeCom by phone, Feishu
-- by name.
ALTER TABLE deliveries ADD COLUMN mentions TEXT;

-- 催交: a manager asked a member for a report of a period (at most once an hour each). The
-- member's submission of that report answers it.
CREATE TABLE nudges (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    by_id        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    period_first TEXT NOT NULL,
    period_last  TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX nudges_user ON nudges(user_id, kind, period_first, at);

-- @mentions in report comments: who was named, by whom, in which comment.
CREATE TABLE mentions (
    report_id  TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    by_id      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (report_id, comment_id, user_id)
);
CREATE INDEX mentions_user ON mentions(user_id, at);

-- Exports read a member's visits of a period in time order.
CREATE INDEX followup_index_owner_time ON followup_index(owner, occurred_at) WHERE live = 1;
