-- Designated medical institutions (SPEC §5), their dated status history,
-- their HIS credentials (secrets encrypted at rest, see docs/institutions.md)
-- and the nonces seen by the HIS signature check (replay protection).

CREATE TABLE institutions (
    id                {{ID}},
    code              TEXT NOT NULL UNIQUE,          -- national fixmedins_code, 12 chars
    name              TEXT NOT NULL,
    level             TEXT NOT NULL CHECK (level IN ('village', 'township', 'county', 'city', 'province')),
    private           BOOLEAN NOT NULL DEFAULT FALSE, -- 民营
    area_id           BIGINT REFERENCES areas(id),   -- location in the area tree; NULL out of county
    in_county         BOOLEAN NOT NULL,
    agreement         BOOLEAN NOT NULL,              -- 协议机构
    networked         BOOLEAN NOT NULL,              -- real-time settlement 即时结报
    bank_name         TEXT NOT NULL DEFAULT '',
    bank_account_name TEXT NOT NULL DEFAULT '',
    bank_account_no   TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    status_since      TEXT NOT NULL,                 -- civil date of the current status
    paasid            TEXT NOT NULL UNIQUE,          -- x-tif-paasid
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX institutions_level ON institutions (level, status);

-- Every status an institution has had, never deleted.
CREATE TABLE institution_status (
    id             {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    status         TEXT NOT NULL,
    since          TEXT NOT NULL,   -- civil date the status took effect
    reason         TEXT NOT NULL DEFAULT '',
    at             TEXT NOT NULL,   -- when it was recorded (UTC)
    username       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX institution_status_inst ON institution_status (institution_id, id);

-- HIS secrets. At most two are usable at a time: the current one
-- (valid_until NULL) and, after a rotation, the previous one until the end of
-- its grace period. secret_enc is AES-256-GCM under the installation key.
CREATE TABLE institution_secrets (
    id             {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    secret_enc     TEXT NOT NULL,
    key_id         TEXT NOT NULL,   -- which installation key encrypted it
    created_at     TEXT NOT NULL,
    valid_until    TEXT             -- NULL: current; else UTC end of the grace period
);
CREATE INDEX institution_secrets_inst ON institution_secrets (institution_id, id);

-- Nonces of verified HIS requests, kept while their timestamp is in the
-- window (±300 s) and pruned afterwards. A second use is a replay.
CREATE TABLE his_nonces (
    institution_id BIGINT NOT NULL,
    nonce          TEXT NOT NULL,
    seen_unix      BIGINT NOT NULL,
    PRIMARY KEY (institution_id, nonce)
);
CREATE INDEX his_nonces_seen ON his_nonces (seen_unix);
