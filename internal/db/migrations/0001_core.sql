-- Core: installation facts, the area tree, and the audit trail.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Areas: county -> township -> village -> group. path is the chain of ids
-- from the root, "/1/5/23/", so a scope check on a subtree is a prefix test.
CREATE TABLE areas (
    id         {{ID}},
    parent_id  BIGINT REFERENCES areas(id),
    level      TEXT NOT NULL CHECK (level IN ('county', 'township', 'village', 'group')),
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX areas_parent_name ON areas (parent_id, name);
CREATE INDEX areas_path ON areas (path);

-- The audit trail: one row per change, written in the same transaction.
-- user_id has no foreign key so the trail outlives anything it mentions.
CREATE TABLE audit_log (
    id          {{ID}},
    at          TEXT NOT NULL,
    user_id     BIGINT,
    username    TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json  TEXT,
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
