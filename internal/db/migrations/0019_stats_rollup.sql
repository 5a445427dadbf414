-- Statistics rollup (internal/stats/rollup.go, docs/stats.md "Rollup").
-- Settlements are append-only (a reversal is a new negative row on its own
-- day), so their sums per day can be kept instead of re-read. The rollup
-- holds exactly the settlements with id <= settle_id and setl_date < closed
-- (stats_rollup_mark); every other settlement is read live at report time.
CREATE TABLE stats_rollup_mark (
    id        INTEGER PRIMARY KEY,
    settle_id BIGINT NOT NULL,   -- highest settlement id seen by the last refresh
    closed    TEXT NOT NULL,     -- first day not rolled up (today in China time at the last refresh)
    refreshed TEXT NOT NULL      -- when (UTC timestamp)
);
INSERT INTO stats_rollup_mark (id, settle_id, closed, refreshed) VALUES (1, 0, '0000-01-01', '');

-- County-wide tables by institution, level, kind, month or none: per day.
-- poor: the patient was registered poor at refresh (persons.categories).
CREATE TABLE stats_rollup_day (
    day            TEXT NOT NULL,
    institution_id BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    clr_type       TEXT NOT NULL,
    refer          INTEGER NOT NULL,  -- med_type = '23'
    poor           INTEGER NOT NULL,
    n      BIGINT NOT NULL,  -- settlement rows (reversals too): the key has rows
    visits BIGINT NOT NULL, benefited BIGINT NOT NULL,
    cost BIGINT NOT NULL, in_scope BIGINT NOT NULL, basic BIGINT NOT NULL, catastrophic BIGINT NOT NULL,
    assistance BIGINT NOT NULL, other BIGINT NOT NULL, fund BIGINT NOT NULL,
    PRIMARY KEY (day, institution_id, kind, clr_type, refer, poor)
);

-- Tables by township or village, and a township's own figures: per month
-- and the patient's village (the first three segments of persons.area_path).
CREATE TABLE stats_rollup_area (
    month          TEXT NOT NULL,     -- 2026-03
    area           TEXT NOT NULL,
    institution_id BIGINT NOT NULL,
    clr_type       TEXT NOT NULL,
    refer          INTEGER NOT NULL,
    poor           INTEGER NOT NULL,
    n      BIGINT NOT NULL,  -- settlement rows (reversals too): the key has rows
    visits BIGINT NOT NULL, benefited BIGINT NOT NULL,
    cost BIGINT NOT NULL, in_scope BIGINT NOT NULL, basic BIGINT NOT NULL, catastrophic BIGINT NOT NULL,
    assistance BIGINT NOT NULL, other BIGINT NOT NULL, fund BIGINT NOT NULL,
    PRIMARY KEY (month, area, institution_id, clr_type, refer, poor)
);

-- High-cost persons: per person and calendar year, the sum of the positive
-- compensations rolled up (an upper bound of any period's net sum in the
-- year), so that only people who can reach a band are summed exactly.
CREATE TABLE stats_rollup_person (
    year      INTEGER NOT NULL,
    person_id BIGINT NOT NULL,
    pos_fund  BIGINT NOT NULL,
    PRIMARY KEY (year, person_id)
);
CREATE INDEX stats_rollup_person_fund ON stats_rollup_person (year, pos_fund);

-- People whose area or categories changed since the last refresh, with the
-- values the rollup used (filled by a trigger that internal/stats creates
-- on persons, per engine; the refresh moves their sums and empties it).
CREATE TABLE stats_rollup_moved (
    person_id      BIGINT PRIMARY KEY,
    old_area_path  TEXT NOT NULL,
    old_categories TEXT NOT NULL
);

-- The denominators (enrollees, eligible population by area) are current
-- state and read at report time: covering indexes in area order, so that
-- each is one index scan without a sort or a row look-up.
CREATE INDEX enrollments_stats ON enrollments (year, cancelled_at, area_path, household_id);
CREATE INDEX persons_stats ON persons (area_path, household_id, status, status_date);
