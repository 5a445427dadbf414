-- Accounts (owned by internal/auth): users with one role and one scope,
-- server-side sessions, API tokens for scripts, and the login attempts that
-- drive lockout and per-address rate limiting. Secrets are never stored:
-- passwords as bcrypt hashes, session and API tokens as SHA-256 (hex).

CREATE TABLE users (
    id                   {{ID}},
    username             TEXT NOT NULL UNIQUE,          -- lower-case ASCII login name
    display_name         TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL,                 -- access.Role
    area_id              BIGINT REFERENCES areas(id),   -- area scope: this subtree
    institution_id       BIGINT,                        -- institution scope (FK once institutions exist)
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled             INTEGER NOT NULL DEFAULT 0,
    password_changed_at  TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK ((area_id IS NULL AND institution_id IS NOT NULL) OR (area_id IS NOT NULL AND institution_id IS NULL))
);
CREATE INDEX users_area ON users (area_id);

CREATE TABLE sessions (
    id           {{ID}},
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,                         -- absolute expiry
    remote_addr  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           {{ID}},
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,                         -- first characters, to recognise a token in lists
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX api_tokens_user_name ON api_tokens (user_id, name) WHERE revoked_at IS NULL;

CREATE TABLE login_attempts (
    id          {{ID}},
    at          TEXT NOT NULL,
    username    TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    ok          INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_addr ON login_attempts (remote_addr, at);
