-- Registry: households and people (SPEC §3). Owned by internal/registry.
-- area_path is the path of the household's area, copied onto the household
-- and each person so that scope filters are a prefix test on one column.

CREATE TABLE households (
    id             {{ID}},
    number         TEXT NOT NULL UNIQUE,          -- 户编号
    area_id        BIGINT NOT NULL REFERENCES areas(id),
    area_path      TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    head_person_id BIGINT,                        -- the active member whose relation is 户主; NULL when none is left
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX households_area_path ON households (area_path);
CREATE INDEX households_area ON households (area_id);

CREATE TABLE persons (
    id           {{ID}},
    household_id BIGINT NOT NULL REFERENCES households(id),
    area_path    TEXT NOT NULL,
    id_number    TEXT UNIQUE,                     -- NULL for a newborn without one yet
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('1', '2')),   -- GB/T 2261: 1 male, 2 female
    birth_date   TEXT NOT NULL,                   -- YYYY-MM-DD
    phone        TEXT NOT NULL DEFAULT '',
    relation     TEXT NOT NULL DEFAULT '',        -- 与户主关系: 户主, 配偶, 子, 女, ...
    categories   TEXT NOT NULL DEFAULT '',        -- comma-separated category codes (registry.Category)
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'moved_out', 'deceased')),
    status_date  TEXT,                            -- day of the last status change
    mother_id    BIGINT REFERENCES persons(id),   -- for newborns covered through the mother
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_name ON persons (name);
CREATE INDEX persons_area_path ON persons (area_path);
CREATE INDEX persons_mother ON persons (mother_id);
-- Exactly one head among the active members of a household (the service
-- also checks it, to give a clear message; this is the last line).
CREATE UNIQUE INDEX persons_one_head ON persons (household_id) WHERE relation = '户主' AND status = 'active';

-- Life events and corrections, never by deleting a person. kind is one of
-- registered, born, moved_in, moved_out, deceased, transferred, id_assigned,
-- corrected. data_json holds what a correction changed (before/after).
CREATE TABLE person_events (
    id           {{ID}},
    person_id    BIGINT NOT NULL REFERENCES persons(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    kind         TEXT NOT NULL,
    event_date   TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    data_json    TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX person_events_person ON person_events (person_id);

-- Named counters for generated numbers (household numbers per area, area
-- codes per parent). Incremented with an upsert inside the writing transaction.
CREATE TABLE registry_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
