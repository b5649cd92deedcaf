-- fieldreport local store, schema version 1.

-- The device's local identity (one row).
CREATE TABLE device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    user_id     TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    tz          TEXT NOT NULL,
    week_start  TEXT NOT NULL,
    actor       BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Every record's Automerge document. `pending` is 1 while the document holds changes a server
-- has not acknowledged; `acked_heads` are the heads the server last confirmed.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    heads       BLOB NOT NULL,
    acked_heads BLOB,
    pending     INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX documents_pending ON documents(id) WHERE pending = 1;

-- Projections: materialized columns for lists and KPIs. Never the source of truth.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    team        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT,
    created_at  INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX customers_owner_created ON customers(owner, created_at);

CREATE TABLE deals (
    id             TEXT PRIMARY KEY,
    team           TEXT NOT NULL,
    owner          TEXT NOT NULL,
    customer_id    TEXT NOT NULL,
    title          TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    stage          TEXT NOT NULL,
    stage_at       INTEGER NOT NULL,
    expected_close TEXT,
    created_at     INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deals_stage ON deals(stage, created_at);
CREATE INDEX deals_owner_created ON deals(owner, created_at);
CREATE INDEX deals_customer ON deals(customer_id);

-- Every stage a deal entered, for funnel KPIs.
CREATE TABLE deal_stages (
    deal_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    owner       TEXT NOT NULL,
    stage       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (deal_id, seq)
);
CREATE INDEX deal_stages_owner_at ON deal_stages(owner, at);

CREATE TABLE followups (
    id               TEXT PRIMARY KEY,
    team             TEXT NOT NULL,
    owner            TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    deal_id          TEXT,
    kind             TEXT NOT NULL,
    occurred_at      INTEGER NOT NULL,
    note             TEXT NOT NULL,
    next_step        TEXT NOT NULL,
    next_followup_on TEXT,
    lat              REAL,
    lon              REAL,
    created_at       INTEGER NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX followups_owner_time ON followups(owner, occurred_at);
CREATE INDEX followups_time ON followups(occurred_at);
CREATE INDEX followups_customer_time ON followups(customer_id, occurred_at);
CREATE INDEX followups_deal_time ON followups(deal_id, occurred_at) WHERE deal_id IS NOT NULL;

CREATE TABLE contracts (
    id           TEXT PRIMARY KEY,
    team         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    deal_id      TEXT,
    title        TEXT,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    signed_on    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contracts_owner_signed ON contracts(owner, signed_on);
CREATE INDEX contracts_customer ON contracts(customer_id);

CREATE TABLE payments (
    id           TEXT PRIMARY KEY,
    team         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    contract_id  TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    received_on  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX payments_owner_received ON payments(owner, received_on);
CREATE INDEX payments_contract ON payments(contract_id);
