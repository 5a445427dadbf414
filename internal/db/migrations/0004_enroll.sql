-- Enrollment and fund raising (SPEC §4). Owned by internal/enroll.
--
-- Money rows are immutable: contributions (amounts due per person and
-- source), contribution_payments (what people paid at the desk, with a
-- numbered receipt) and contribution_arrivals (government and civil-affairs
-- money received). A correction is a new row with the opposite amount that
-- points at the row it reverses (reverses_id); nothing is updated or deleted.
-- The ledger posts from these three tables.

-- A scheme year: its benefit period, enrollment window and late waiting days.
-- receipt_seq is the last receipt number issued for the year; it is bumped
-- inside the enrolling transaction, so numbers are unique and gap-free.
CREATE TABLE scheme_years (
    year         INTEGER PRIMARY KEY,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    window_from  TEXT NOT NULL,
    window_to    TEXT NOT NULL,
    waiting_days INTEGER NOT NULL DEFAULT 90 CHECK (waiting_days >= 0),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    note         TEXT NOT NULL DEFAULT '',
    receipt_seq  BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- The contribution standard: per person, per tier (档次) and source, in fen.
-- due_date is when a government share is due (arrivals after it are late).
CREATE TABLE contribution_standards (
    year     INTEGER NOT NULL REFERENCES scheme_years(year),
    tier     INTEGER NOT NULL CHECK (tier >= 1),
    source   TEXT NOT NULL,
    amount   BIGINT NOT NULL CHECK (amount >= 0),
    due_date TEXT,
    PRIMARY KEY (year, tier, source)
);

-- Civil affairs pays (part of) the individual share for these categories:
-- rate_bp of it (10000 = all), or a fixed amount capped at the share.
CREATE TABLE civil_subsidies (
    year     INTEGER NOT NULL REFERENCES scheme_years(year),
    category TEXT NOT NULL,
    rate_bp  BIGINT NOT NULL DEFAULT 0 CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    amount   BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
    PRIMARY KEY (year, category)
);

-- A payment at the enrollment desk. A receipt row has a receipt number and
-- a positive (or zero) amount; a reversal row has no number, the negative
-- amount refunded, and reverses_id pointing at the receipt.
CREATE TABLE contribution_payments (
    id           {{ID}},
    year         INTEGER NOT NULL REFERENCES scheme_years(year),
    receipt_seq  BIGINT,
    receipt_no   TEXT UNIQUE,
    household_id BIGINT NOT NULL REFERENCES households(id),
    area_path    TEXT NOT NULL,
    tier         INTEGER NOT NULL,
    amount       BIGINT NOT NULL,
    paid_on      TEXT NOT NULL,
    method       TEXT NOT NULL DEFAULT 'cash',
    reverses_id  BIGINT REFERENCES contribution_payments(id),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX contribution_payments_seq ON contribution_payments (year, receipt_seq);
CREATE INDEX contribution_payments_household ON contribution_payments (household_id, year);
CREATE INDEX contribution_payments_reverses ON contribution_payments (reverses_id);
CREATE INDEX contribution_payments_area ON contribution_payments (year, area_path);

-- One person enrolled for one year. At most one uncancelled row per person
-- and year. Cancelling marks the row and points at the reversing payment.
CREATE TABLE enrollments (
    id                {{ID}},
    year              INTEGER NOT NULL REFERENCES scheme_years(year),
    person_id         BIGINT NOT NULL REFERENCES persons(id),
    household_id      BIGINT NOT NULL REFERENCES households(id),
    area_path         TEXT NOT NULL,
    tier              INTEGER NOT NULL,
    payment_id        BIGINT NOT NULL REFERENCES contribution_payments(id),
    paid_on           TEXT NOT NULL,
    late              INTEGER NOT NULL DEFAULT 0,
    cover_from        TEXT NOT NULL,
    cover_to          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    cancelled_at      TEXT,
    cancel_payment_id BIGINT REFERENCES contribution_payments(id),
    cancel_reason     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX enrollments_one_per_year ON enrollments (year, person_id) WHERE cancelled_at IS NULL;
CREATE INDEX enrollments_person ON enrollments (person_id, year);
CREATE INDEX enrollments_household ON enrollments (household_id, year);
CREATE INDEX enrollments_payment ON enrollments (payment_id);
CREATE INDEX enrollments_area ON enrollments (year, area_path);

-- Amounts due per enrolled person and source (civil_affairs when civil
-- affairs pays the individual share). payment_id: for the individual share,
-- the receipt that paid it; on a reversal row, the reversing payment.
CREATE TABLE contributions (
    id            {{ID}},
    year          INTEGER NOT NULL REFERENCES scheme_years(year),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    area_path     TEXT NOT NULL,
    tier          INTEGER NOT NULL,
    source        TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    payment_id    BIGINT REFERENCES contribution_payments(id),
    reverses_id   BIGINT REFERENCES contributions(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX contributions_year_source ON contributions (year, source);
CREATE INDEX contributions_enrollment ON contributions (enrollment_id);
CREATE INDEX contributions_area ON contributions (year, area_path);
CREATE UNIQUE INDEX contributions_one_reversal ON contributions (reverses_id);

-- Money received from a government level or civil affairs, in dated
-- installments. due_date is when the installment was due (late days =
-- arrived_on - due_date). A reversal has the negative amount and reverses_id.
CREATE TABLE contribution_arrivals (
    id          {{ID}},
    year        INTEGER NOT NULL REFERENCES scheme_years(year),
    source      TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    due_date    TEXT,
    arrived_on  TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    reverses_id BIGINT REFERENCES contribution_arrivals(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contribution_arrivals_year ON contribution_arrivals (year, source);
CREATE UNIQUE INDEX contribution_arrivals_one_reversal ON contribution_arrivals (reverses_id);
