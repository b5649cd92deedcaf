-- Documents the server authors (team configuration, KPI snapshots), as devices read them.
CREATE TABLE published (
    id     TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    owner  TEXT NOT NULL,
    body   TEXT NOT NULL,
    as_of  INTEGER NOT NULL
);
CREATE INDEX published_kind_owner ON published(kind, owner, as_of);

-- When this device last changed a record itself: server figures computed before it do not cover
-- that change.
CREATE TABLE last_local_write (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  INTEGER NOT NULL
);
