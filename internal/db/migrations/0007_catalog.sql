-- The catalogue (目录, SPEC §5): drugs, service items and facilities. An
-- item's terms change by year, so each row is one version valid from
-- valid_from to valid_to (inclusive; NULL open-ended); lookups take the date
-- of service. Versions are never deleted.

CREATE TABLE catalog_entries (
    id           {{ID}},
    code         TEXT NOT NULL,                 -- national med_list_codg
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('drug', 'service', 'facility')),
    class        TEXT NOT NULL CHECK (class IN ('A', 'B', 'C')),
    selfpay_bp   INTEGER NOT NULL DEFAULT 0 CHECK (selfpay_bp BETWEEN 0 AND 10000), -- class B first self-pay, basis points
    price_cap    BIGINT NOT NULL DEFAULT 0,     -- unit price ceiling, 1/1,000,000 yuan; 0 none
    price        BIGINT NOT NULL DEFAULT 0,     -- reference unit price, 1/1,000,000 yuan; 0 unknown
    unit         TEXT NOT NULL DEFAULT '',
    fee_type     TEXT NOT NULL DEFAULT '',      -- HIS med_chrgitm_type (01 bed ... 09 western drug ... 14 other); '' unknown
    spec         TEXT NOT NULL DEFAULT '',      -- specification / dosage form
    essential    BOOLEAN NOT NULL DEFAULT FALSE, -- 基本药物
    restricted   BOOLEAN NOT NULL DEFAULT FALSE, -- 限定使用
    restriction  TEXT NOT NULL DEFAULT '',
    levels       TEXT NOT NULL DEFAULT '',      -- comma-separated institution levels; '' all
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (code, valid_from)
);
CREATE INDEX catalog_entries_name ON catalog_entries (name);
