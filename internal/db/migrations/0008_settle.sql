-- Real-time settlement (SPEC §6.2, §6.4). Owned by internal/settle, except
-- schemes (internal/schemestore). Money columns are BIGINT fen. Nothing here
-- is deleted: a cancelled visit keeps its row, a revoked line keeps its row,
-- a reversal is a negative settlement pointing at the original.

-- Compensation schemes as stored YAML. A version is immutable; a change is a
-- new version. The version in force on a day is the active one whose period
-- contains the day and whose effective_from is latest (then highest version).
CREATE TABLE schemes (
    id             {{ID}},
    code           TEXT NOT NULL,                 -- "scheme:" of the YAML
    version        INTEGER NOT NULL,
    area           TEXT NOT NULL DEFAULT '',      -- pooling area code
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    effective_from TEXT NOT NULL,                 -- first visit day it applies to
    status         TEXT NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    yaml           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    UNIQUE (code, version)
);
CREATE INDEX schemes_in_force ON schemes (status, period_from, period_to);

-- A visit: an outpatient registration or an admission. id is the mdtrt_id.
CREATE TABLE visits (
    id             {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    person_id      BIGINT NOT NULL REFERENCES persons(id),
    household_id   BIGINT NOT NULL,
    clr_type       TEXT NOT NULL CHECK (clr_type IN ('11', '21')),
    med_type       TEXT NOT NULL,
    ipt_otp_no     TEXT NOT NULL DEFAULT '',      -- the HIS's own visit number
    begin_date     TEXT NOT NULL,
    end_date       TEXT,
    diagnoses      TEXT NOT NULL DEFAULT '',      -- ICD-10 codes, comma-separated, main first
    referral       BOOLEAN NOT NULL DEFAULT FALSE,
    dept_name      TEXT NOT NULL DEFAULT '',
    doctor_name    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('open', 'discharged', 'cancelled')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX visits_institution ON visits (institution_id, begin_date);
CREATE INDEX visits_person ON visits (person_id, begin_date);
CREATE UNIQUE INDEX visits_his_no ON visits (institution_id, clr_type, ipt_otp_no)
    WHERE ipt_otp_no <> '' AND status <> 'cancelled';

-- Fee lines with the catalogue terms used (snapshot at upload) and the split.
-- status: open (unsettled), settled, revoked. A refund line has negative qty
-- and amounts and names the line it refunds (init_feedetl_sn).
CREATE TABLE fee_lines (
    id              {{ID}},
    visit_id        BIGINT NOT NULL REFERENCES visits(id),
    feedetl_sn      TEXT NOT NULL,
    init_feedetl_sn TEXT NOT NULL DEFAULT '',
    code            TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    catalog_id      BIGINT NOT NULL,
    class           TEXT NOT NULL,
    selfpay_bp      INTEGER NOT NULL DEFAULT 0,
    price_cap       BIGINT NOT NULL DEFAULT 0,    -- 1/1,000,000 yuan
    essential       BOOLEAN NOT NULL DEFAULT FALSE,
    restricted      BOOLEAN NOT NULL DEFAULT FALSE,
    levels          TEXT NOT NULL DEFAULT '',
    approval        INTEGER NOT NULL DEFAULT 0,
    qty             BIGINT NOT NULL,              -- 1/10,000 units
    price           BIGINT NOT NULL,              -- 1/1,000,000 yuan
    total           BIGINT NOT NULL,
    fee_date        TEXT NOT NULL,
    fulamt_ownpay   BIGINT NOT NULL,
    overlmt         BIGINT NOT NULL,
    preselfpay      BIGINT NOT NULL,
    inscp           BIGINT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'settled', 'revoked')),
    settlement_id   BIGINT,
    upload_msgid    TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX fee_lines_sn ON fee_lines (visit_id, feedetl_sn) WHERE status <> 'revoked';
CREATE INDEX fee_lines_visit ON fee_lines (visit_id, status);
CREATE INDEX fee_lines_settlement ON fee_lines (settlement_id);

-- Settlements and reversals (reverses_id set, every amount negated).
CREATE TABLE settlements (
    id                {{ID}},
    visit_id          BIGINT NOT NULL REFERENCES visits(id),
    institution_id    BIGINT NOT NULL,
    person_id         BIGINT NOT NULL,
    household_id      BIGINT NOT NULL,
    ytd_year          INTEGER NOT NULL,
    scheme_id         BIGINT NOT NULL REFERENCES schemes(id),
    kind              TEXT NOT NULL,
    med_type          TEXT NOT NULL,
    clr_type          TEXT NOT NULL,
    reverses_id       BIGINT REFERENCES settlements(id),
    setl_date         TEXT NOT NULL,              -- civil date in Asia/Shanghai
    setl_time         TEXT NOT NULL,              -- UTC
    medfee_sumamt     BIGINT NOT NULL,
    fulamt_ownpay_amt BIGINT NOT NULL,
    overlmt_selfpay   BIGINT NOT NULL,
    preselfpay_amt    BIGINT NOT NULL,
    inscp_scp_amt     BIGINT NOT NULL,
    act_pay_dedc      BIGINT NOT NULL,
    hifp_pay          BIGINT NOT NULL,
    hifmi_pay         BIGINT NOT NULL,
    maf_pay           BIGINT NOT NULL,
    oth_pay           BIGINT NOT NULL,
    fund_pay_sumamt   BIGINT NOT NULL,
    psn_part_amt      BIGINT NOT NULL,
    acct_pay          BIGINT NOT NULL,
    psn_cash_pay      BIGINT NOT NULL,
    hosp_part_amt     BIGINT NOT NULL,
    medins_setl_id    TEXT NOT NULL DEFAULT '',   -- the HIS msgid
    invono            TEXT NOT NULL DEFAULT '',
    result_json       TEXT NOT NULL               -- engine result with trace
);
CREATE UNIQUE INDEX settlements_one_reversal ON settlements (reverses_id);
CREATE INDEX settlements_visit ON settlements (visit_id);
CREATE INDEX settlements_institution_day ON settlements (institution_id, setl_date);
CREATE INDEX settlements_person ON settlements (person_id, ytd_year);

-- Per-fund rows (HIS setldetail).
CREATE TABLE settlement_funds (
    settlement_id      BIGINT NOT NULL REFERENCES settlements(id),
    seq                INTEGER NOT NULL,
    fund_pay_type      TEXT NOT NULL,
    fund_pay_type_name TEXT NOT NULL,
    inscp_scp_amt      BIGINT NOT NULL,
    crt_payb_lmt_amt   BIGINT NOT NULL,
    fund_payamt        BIGINT NOT NULL,
    setl_proc_info     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (settlement_id, seq)
);

-- Year-to-date totals per person and per household for one scheme period
-- (ytd_year = the year the period starts). The row is the lock that
-- serializes settlements of one person (SELECT ... FOR UPDATE / upsert).
CREATE TABLE ytd_persons (
    person_id  BIGINT NOT NULL,
    ytd_year   INTEGER NOT NULL,
    ytd_json   TEXT NOT NULL DEFAULT '{}',
    basic      BIGINT NOT NULL DEFAULT 0,
    fund_total BIGINT NOT NULL DEFAULT 0,
    cost       BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (person_id, ytd_year)
);
CREATE TABLE ytd_households (
    household_id BIGINT NOT NULL,
    ytd_year     INTEGER NOT NULL,
    ytd_json     TEXT NOT NULL DEFAULT '{}',
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (household_id, ytd_year)
);

-- Persons refused real-time settlement until lifted (superseded by the
-- blacklist of supervision).
CREATE TABLE settle_person_blocks (
    id         {{ID}},
    person_id  BIGINT NOT NULL REFERENCES persons(id),
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    lifted_at  TEXT,
    lifted_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX settle_person_blocks_person ON settle_person_blocks (person_id);

-- Processed messages: (institution, msgid) identifies a message. The row is
-- written in the same transaction as the effect; response is the exact
-- answer returned, replayed to retries. status: done, compensated (undone by
-- 2601), tombstone (a 2601 arrived first: the late original is refused).
CREATE TABLE settle_messages (
    institution_id BIGINT NOT NULL,
    msgid          TEXT NOT NULL,
    infno          TEXT NOT NULL,
    req_hash       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('done', 'compensated', 'tombstone')),
    effect_type    TEXT NOT NULL DEFAULT '',
    effect_id      BIGINT NOT NULL DEFAULT 0,
    response       TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    PRIMARY KEY (institution_id, msgid)
);
