-- fieldreport server storage, schema version 2: team configuration, KPI rollups and the indexes
-- alerts and submission statistics read.

-- Every applied configuration; the highest version is in force.
CREATE TABLE config_versions (
    version     INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
);

-- What each document contributes to each metric on each local day (core's kpi::facts).
CREATE TABLE kpi_facts (
    doc_id   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    value    REAL NOT NULL,
    base     REAL NOT NULL,
    key      TEXT
);
CREATE INDEX kpi_facts_doc ON kpi_facts(doc_id);
CREATE INDEX kpi_facts_keyed ON kpi_facts(metric, user_id, day) WHERE key IS NOT NULL;

-- Daily rollups: the sum of the facts per (user, metric, day), kept up to date at each merge.
CREATE TABLE kpi_daily (
    user_id  TEXT NOT NULL,
    metric   TEXT NOT NULL,
    day      TEXT NOT NULL,
    value    REAL NOT NULL,
    base     REAL NOT NULL,
    facts    INTEGER NOT NULL,
    PRIMARY KEY (user_id, metric, day)
) WITHOUT ROWID;
CREATE INDEX kpi_daily_day ON kpi_daily(day, metric);

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
