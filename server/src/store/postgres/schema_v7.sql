-- fieldreport server storage, schema version 7: the organisation as a tree of departments (SQLite schema 12).

CREATE TABLE departments (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent_id  TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX departments_name ON departments(name);
CREATE INDEX departments_parent ON departments(parent_id);

-- A department's heads see its whole subtree.
CREATE TABLE department_heads (
    dept_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (dept_id, user_id)
);
CREATE INDEX department_heads_user ON department_heads(user_id);

-- Every member is in one department; where they were and when, so that a member who moves
-- keeps their past figures in the department they were in at the time.
ALTER TABLE users ADD COLUMN dept_id TEXT;
CREATE TABLE dept_history (
    user_id TEXT NOT NULL,
    dept_id TEXT NOT NULL,
    since   BIGINT NOT NULL,
    until   BIGINT,
    PRIMARY KEY (user_id, since)
);

-- Who sees whose documents and figures below them (the rule of `team::org`: a viewer's chain of
-- reports, and the members of the departments they head, down the tree), kept by the service
-- whenever a member or a department changes; the feed reads it as it read direct reports.
CREATE TABLE sees (
    viewer TEXT NOT NULL,
    owner  TEXT NOT NULL,
    PRIMARY KEY (viewer, owner)
);
CREATE INDEX sees_owner ON sees(owner);
INSERT INTO flags (name, set_at) VALUES ('rebuild_sees', 0) ON CONFLICT DO NOTHING;

-- An existing team becomes one root department (its id the team's) holding everyone, managed
-- as today.
INSERT INTO departments (id, name, parent_id, created_at) SELECT team_id, name, NULL, created_at FROM team;
UPDATE users SET dept_id = (SELECT team_id FROM team WHERE id = 1);
INSERT INTO dept_history (user_id, dept_id, since, until)
    SELECT u.id, t.team_id, u.created_at, NULL FROM users u, team t WHERE t.id = 1;
UPDATE team SET directory_version = directory_version + 1 WHERE id = 1;
