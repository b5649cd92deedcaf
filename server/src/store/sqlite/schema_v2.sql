-- fieldreport server storage, schema version 2: team configuration, KPI rollups and the indexes
-- alerts and submission statistics read.

-- Every applied configuration; the highest version is in force.
CREATE TABLE config_versions (
    version     INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
);

-- What each document contributes to each metric on each local day (core's kpi::facts), as last
-- indexed: a JSON array, read back to subtract when the document changes.
CREATE TABLE doc_facts (
    doc_id  TEXT PRIMARY KEY,
    facts   TEXT NOT NULL
);

-- The facts of distinct counts (e.g. deals won), whose sums cannot be rolled up.
CREATE TABLE kpi_keys (
    doc_id   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    day      TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    key      TEXT NOT NULL
);
CREATE INDEX kpi_keys_doc ON kpi_keys(doc_id);
CREATE INDEX kpi_keys_range ON kpi_keys(metric, day, user_id, key);

-- Daily rollups: the sum of the facts per (user, metric, day), kept up to date at each merge.
CREATE TABLE kpi_daily (
    user_id  TEXT NOT NULL,
    metric   TEXT NOT NULL,
    day      TEXT NOT NULL,
    value    REAL NOT NULL,
    base     REAL NOT NULL,
    facts    INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, metric)
) WITHOUT ROWID;
-- Covering: a range of days for some metrics or everyone reads only this index.
CREATE INDEX kpi_daily_day ON kpi_daily(day, metric, user_id, value, base);

-- The same per month (`YYYY-MM`), so a month or a quarter sums a few rows per user and metric.
CREATE TABLE kpi_monthly (
    user_id  TEXT NOT NULL,
    metric   TEXT NOT NULL,
    month    TEXT NOT NULL,
    value    REAL NOT NULL,
    base     REAL NOT NULL,
    facts    INTEGER NOT NULL,
    PRIMARY KEY (user_id, month, metric)
) WITHOUT ROWID;
CREATE INDEX kpi_monthly_month ON kpi_monthly(month, metric, user_id, value, base);

-- Deals, followups and reports as alerts and submission statistics need them.
CREATE TABLE deal_index (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    title        TEXT NOT NULL,
    stage        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    live         INTEGER NOT NULL
);
CREATE INDEX deal_index_owner ON deal_index(owner) WHERE live = 1;

CREATE TABLE followup_index (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    deal_id      TEXT,
    occurred_at  INTEGER NOT NULL,
    live         INTEGER NOT NULL
);
CREATE INDEX followup_index_deal ON followup_index(deal_id, occurred_at) WHERE live = 1;

CREATE TABLE report_index (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    first         TEXT NOT NULL,
    last          TEXT NOT NULL,
    submitted_at  INTEGER,
    live          INTEGER NOT NULL
);
CREATE INDEX report_index_owner ON report_index(owner, kind, last);

-- What the server last published: the configuration version, and each user's snapshot (its
-- document, the local day and configuration it was computed for, and the user's last merged
-- feed position it covered).
CREATE TABLE published_config (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    doc_id   TEXT NOT NULL,
    version  INTEGER NOT NULL
);
CREATE TABLE published_snapshots (
    user_id         TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    day             TEXT NOT NULL,
    as_of           INTEGER NOT NULL,
    config_version  INTEGER NOT NULL,
    data_seq        INTEGER NOT NULL
);
