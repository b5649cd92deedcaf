-- fieldreport server storage on PostgreSQL, schema version 1 (the SQLite schema 6, in
-- PostgreSQL's types: integers are BIGINT, bytes BYTEA, reals DOUBLE PRECISION). Booleans stay
-- integers (0 or 1) so that both backends answer the same statements.

CREATE TABLE team (
    id                 BIGINT PRIMARY KEY CHECK (id = 1),
    team_id            TEXT NOT NULL,
    name               TEXT NOT NULL,
    tz                 TEXT NOT NULL,
    week_start         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    directory_version  BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    manager_id  TEXT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    phone       TEXT,
    active      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_manager ON users(manager_id);

CREATE TABLE enroll_codes (
    code_hash   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    actor        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at   BIGINT,
    name         TEXT
);
CREATE INDEX devices_user ON devices(user_id);
CREATE INDEX devices_actor ON devices(actor);

-- Every document at its feed position (`seq`, from `feed_head`: see docs/concurrency.md).
CREATE TABLE docs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    heads        BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    view         TEXT,
    view_format  BIGINT
);
CREATE UNIQUE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_owner_seq ON docs(owner, seq);
CREATE INDEX docs_owner_kind_seq ON docs(owner, kind, seq);

CREATE TABLE recipients (
    doc_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, user_id)
);
CREATE INDEX recipients_user ON recipients(user_id, doc_id);

CREATE TABLE device_docs (
    device_id  TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    heads      BYTEA,
    sent_heads BYTEA,
    sent_seq   BIGINT,
    PRIMARY KEY (device_id, doc_id)
);
CREATE INDEX device_docs_sent ON device_docs(device_id, sent_seq) WHERE sent_seq IS NOT NULL;

CREATE TABLE config_versions (
    version     BIGINT PRIMARY KEY,
    body        TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
);

CREATE TABLE doc_facts (
    doc_id  TEXT PRIMARY KEY,
    facts   TEXT NOT NULL
);

CREATE TABLE kpi_keys (
    doc_id   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    day      TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    key      TEXT NOT NULL
);
CREATE INDEX kpi_keys_doc ON kpi_keys(doc_id);
CREATE INDEX kpi_keys_range ON kpi_keys(metric, day, user_id, key);

CREATE TABLE kpi_daily (
    user_id  TEXT NOT NULL,
    metric   TEXT NOT NULL,
    day      TEXT NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    base     DOUBLE PRECISION NOT NULL,
    facts    BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, metric)
);
CREATE INDEX kpi_daily_day ON kpi_daily(day, metric, user_id, value, base);

CREATE TABLE kpi_monthly (
    user_id  TEXT NOT NULL,
    metric   TEXT NOT NULL,
    month    TEXT NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    base     DOUBLE PRECISION NOT NULL,
    facts    BIGINT NOT NULL,
    PRIMARY KEY (user_id, month, metric)
);
CREATE INDEX kpi_monthly_month ON kpi_monthly(month, metric, user_id, value, base);

CREATE TABLE deal_index (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    title        TEXT NOT NULL,
    stage        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    live         BIGINT NOT NULL
);
CREATE INDEX deal_index_owner ON deal_index(owner) WHERE live = 1;

CREATE TABLE followup_index (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    deal_id      TEXT,
    occurred_at  BIGINT NOT NULL,
    live         BIGINT NOT NULL,
    customer_id  TEXT,
    checkin_lat  DOUBLE PRECISION,
    checkin_lon  DOUBLE PRECISION,
    checkin_at   BIGINT
);
CREATE INDEX followup_index_deal ON followup_index(deal_id, occurred_at) WHERE live = 1;
CREATE INDEX followup_index_checkin ON followup_index(owner, checkin_at) WHERE checkin_at IS NOT NULL;

CREATE TABLE customer_index (
    id     TEXT PRIMARY KEY,
    owner  TEXT NOT NULL,
    name   TEXT NOT NULL,
    lat    DOUBLE PRECISION,
    lon    DOUBLE PRECISION,
    live   BIGINT NOT NULL
);

CREATE TABLE report_index (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    first         TEXT NOT NULL,
    last          TEXT NOT NULL,
    submitted_at  BIGINT,
    live          BIGINT NOT NULL,
    comments      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX report_index_owner ON report_index(owner, kind, last);

CREATE TABLE published_config (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    doc_id   TEXT NOT NULL,
    version  BIGINT NOT NULL
);

CREATE TABLE published_snapshots (
    user_id         TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    day             TEXT NOT NULL,
    as_of           BIGINT NOT NULL,
    config_version  BIGINT NOT NULL,
    data_seq        BIGINT NOT NULL
);

CREATE TABLE published_directory (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    doc_id   TEXT NOT NULL,
    version  BIGINT NOT NULL
);

CREATE TABLE deliveries (
    id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    robot          TEXT NOT NULL,
    event          TEXT NOT NULL,
    subject        TEXT NOT NULL,
    title          TEXT NOT NULL,
    markdown       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending',
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_at        BIGINT NOT NULL,
    last_error     TEXT,
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT,
    claimed_by     TEXT,
    claimed_until  BIGINT,
    UNIQUE (robot, event, subject)
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE status = 'pending';

CREATE TABLE login_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    id          TEXT UNIQUE,
    via         TEXT NOT NULL DEFAULT 'link'
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE web_login_codes (
    code_hash     TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    approved_by   TEXT,
    device_id     TEXT,
    approved_at   BIGINT,
    used_at       BIGINT
);

CREATE TABLE report_reads (
    report_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    read_at    BIGINT NOT NULL,
    PRIMARY KEY (report_id, user_id)
);

CREATE TABLE flags (
    name    TEXT PRIMARY KEY,
    set_at  BIGINT NOT NULL
);

-- The last feed position given. Every write transaction locks this row first and keeps it to
-- its commit: transactions that write documents commit one after another, in the order of the
-- positions they take, so a reader never sees position N+1 before N (docs/concurrency.md).
CREATE TABLE feed_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL
);
INSERT INTO feed_head (id, seq) VALUES (1, 0);

CREATE TABLE quarantine (
    doc_id  TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    owner   TEXT NOT NULL,
    reason  TEXT NOT NULL,
    since   BIGINT NOT NULL
);
CREATE INDEX quarantine_owner ON quarantine(owner);
