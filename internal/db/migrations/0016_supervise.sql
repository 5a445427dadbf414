-- Supervision (SPEC §10): screening configuration per scheme year, cases
-- opened by screening rules, institution indicators and sampling, with their
-- evidence and notes; sampling draws with their seed and work lists; the
-- blacklist. Owned by internal/supervise (docs/supervision.md). Nothing here
-- is deleted: a case is closed with an outcome, a blacklist entry is lifted.

-- One scheme year's screening configuration (rules.Config as JSON): which
-- rules run, which block, their parameters, indicator thresholds and
-- sampling shares. A year without a row uses the documented defaults.
CREATE TABLE supervise_config (
    year        INTEGER PRIMARY KEY,
    config_json TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

-- Cases. key identifies the finding (rule + the settlements / lines / month
-- it concerns): the same finding seen by the settlement hook and by a batch
-- run opens one case. status: open → assigned → investigating → closed;
-- outcome (when closed): no_issue, deduction (deduction_id set), referral.
CREATE TABLE supervise_cases (
    id             {{ID}},
    rule           TEXT NOT NULL,
    case_key       TEXT NOT NULL UNIQUE,
    source         TEXT NOT NULL CHECK (source IN ('settlement', 'batch', 'indicator', 'sample', 'blacklist', 'manual')),
    institution_id BIGINT,
    person_id      BIGINT,
    period         TEXT NOT NULL DEFAULT '',     -- YYYY-MM (indicator cases, batch runs)
    summary_zh     TEXT NOT NULL,
    summary_en     TEXT NOT NULL DEFAULT '',
    amount         BIGINT NOT NULL DEFAULT 0,    -- amount at issue, fen
    status         TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'investigating', 'closed')),
    assignee       TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'no_issue', 'deduction', 'referral')),
    outcome_note   TEXT NOT NULL DEFAULT '',
    deduction_id   BIGINT,
    run_id         BIGINT,                       -- the batch run that opened it
    opened_at      TEXT NOT NULL,
    opened_by      TEXT NOT NULL,
    closed_at      TEXT,
    closed_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervise_cases_status ON supervise_cases (status, rule);
CREATE INDEX supervise_cases_institution ON supervise_cases (institution_id, status);

-- What a case rests on: settlements, and lines of them (fee_lines.id).
CREATE TABLE supervise_evidence (
    case_id       BIGINT NOT NULL REFERENCES supervise_cases(id),
    seq           INTEGER NOT NULL,
    settlement_id BIGINT,
    visit_id      BIGINT,
    line_id       BIGINT,
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX supervise_evidence_settlement ON supervise_evidence (settlement_id);

-- The case's history: assignment, status changes, notes, outcome.
CREATE TABLE supervise_case_notes (
    id       {{ID}},
    case_id  BIGINT NOT NULL REFERENCES supervise_cases(id),
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervise_case_notes_case ON supervise_case_notes (case_id, id);

-- Batch screening runs over a period of settlement days.
CREATE TABLE supervise_runs (
    id          {{ID}},
    kind        TEXT NOT NULL CHECK (kind IN ('screen', 'indicators')),
    date_from   TEXT NOT NULL,
    date_to     TEXT NOT NULL,
    settlements INTEGER NOT NULL DEFAULT 0,
    hits        INTEGER NOT NULL DEFAULT 0,
    opened      INTEGER NOT NULL DEFAULT 0,       -- new cases (hits already cased are not reopened)
    at          TEXT NOT NULL,
    username    TEXT NOT NULL
);

-- Monthly institution indicator sums (rules.Month), recomputed by a run.
CREATE TABLE supervise_indicators (
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    period         TEXT NOT NULL,               -- YYYY-MM
    level          TEXT NOT NULL,
    month_json     TEXT NOT NULL,
    flags_json     TEXT NOT NULL DEFAULT '[]',
    computed_at    TEXT NOT NULL,
    PRIMARY KEY (institution_id, period)
);

-- Sampling draws: spot checks of real-time settlements and of manual
-- claims, follow-up calls of compensated inpatients. The seed, share and
-- population size are recorded: the draw can be repeated exactly.
CREATE TABLE supervise_samples (
    id         {{ID}},
    kind       TEXT NOT NULL CHECK (kind IN ('spot_realtime', 'spot_claims', 'follow_up')),
    period     TEXT NOT NULL,                   -- YYYY-MM
    seed       BIGINT NOT NULL,
    share_bp   INTEGER NOT NULL,
    population INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (kind, period)
);

-- A sample's work list with the outcome of each check or call.
CREATE TABLE supervise_sample_items (
    sample_id      BIGINT NOT NULL REFERENCES supervise_samples(id),
    seq            INTEGER NOT NULL,
    ref_type       TEXT NOT NULL CHECK (ref_type IN ('settlement', 'claim')),
    ref_id         BIGINT NOT NULL,
    person_id      BIGINT NOT NULL DEFAULT 0,
    institution_id BIGINT NOT NULL DEFAULT 0,
    amount         BIGINT NOT NULL DEFAULT 0,   -- compensation, fen
    outcome        TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'confirmed', 'discrepancy', 'unreachable')),
    note           TEXT NOT NULL DEFAULT '',
    done_at        TEXT,
    done_by        TEXT NOT NULL DEFAULT '',
    case_id        BIGINT,
    PRIMARY KEY (sample_id, seq)
);

-- Blacklist (黑名单) of persons, staff (a doctor's name at an institution)
-- and institutions. effect: block (settlement and claim filing refused) or
-- review (every settlement opens a case). In force from valid_from to
-- valid_to (inclusive; NULL open-ended) unless lifted.
CREATE TABLE supervise_blacklist (
    id             {{ID}},
    subject        TEXT NOT NULL CHECK (subject IN ('person', 'staff', 'institution')),
    person_id      BIGINT REFERENCES persons(id),
    institution_id BIGINT REFERENCES institutions(id),
    staff_name     TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL,
    effect         TEXT NOT NULL CHECK (effect IN ('block', 'review')),
    valid_from     TEXT NOT NULL,
    valid_to       TEXT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    lifted_at      TEXT,
    lifted_by      TEXT NOT NULL DEFAULT '',
    lift_reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervise_blacklist_person ON supervise_blacklist (person_id);
CREATE INDEX supervise_blacklist_institution ON supervise_blacklist (institution_id);

-- The duplicate-bill rule looks settlements up by invoice number.
CREATE INDEX supervise_settlements_invoice ON settlements (institution_id, invono) WHERE invono <> '';
