-- Manual reimbursement and staged review (SPEC §8). Owned by internal/claims.
-- Money columns are BIGINT fen. Nothing is deleted: a rejected claim keeps
-- its rows and steps.

-- Settings of manual reimbursement (key/value): deadline_months = how many
-- calendar months after discharge (or the outpatient visit) a claim may be
-- filed.
CREATE TABLE claim_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO claim_settings (key, value) VALUES ('deadline_months', '2');

-- A claim. stage is the step awaited next: first_review, second_review
-- (ordinary claims); village, township, county (special cases); then
-- approved, paid, or rejected. Amounts are set at approval, computed by the
-- settlement engine on the person's locked year-to-date totals.
CREATE TABLE claims (
    id               {{ID}},
    person_id        BIGINT NOT NULL REFERENCES persons(id),
    household_id     BIGINT NOT NULL,
    area_path        TEXT NOT NULL,                 -- the person's, for scope filters
    institution_id   BIGINT NOT NULL REFERENCES institutions(id),
    med_type         TEXT NOT NULL,
    clr_type         TEXT NOT NULL CHECK (clr_type IN ('11', '21')),
    begin_date       TEXT NOT NULL,
    end_date         TEXT,
    diagnoses        TEXT NOT NULL DEFAULT '',
    referral         BOOLEAN NOT NULL DEFAULT FALSE,
    third_party      BOOLEAN NOT NULL DEFAULT FALSE,
    special          BOOLEAN NOT NULL DEFAULT FALSE,
    special_reason   TEXT NOT NULL DEFAULT '',
    invoice_no       TEXT NOT NULL DEFAULT '',
    documents        TEXT NOT NULL DEFAULT '',      -- received documents, comma-separated codes
    filed_date       TEXT NOT NULL,
    deadline         TEXT NOT NULL,                 -- last filing day that applied
    payee_name       TEXT NOT NULL,
    bank_name        TEXT NOT NULL,
    bank_account_no  TEXT NOT NULL,
    bill_total       BIGINT NOT NULL,
    stage            TEXT NOT NULL CHECK (stage IN ('first_review', 'second_review', 'village', 'township',
                         'county', 'approved', 'paid', 'rejected')),
    scheme_id        BIGINT REFERENCES schemes(id),
    ytd_year         INTEGER,
    kind             TEXT NOT NULL DEFAULT '',
    medfee_sumamt    BIGINT NOT NULL DEFAULT 0,
    inscp_scp_amt    BIGINT NOT NULL DEFAULT 0,
    hifp_pay         BIGINT NOT NULL DEFAULT 0,
    hifmi_pay        BIGINT NOT NULL DEFAULT 0,
    maf_pay          BIGINT NOT NULL DEFAULT 0,
    oth_pay          BIGINT NOT NULL DEFAULT 0,
    fund_pay_sumamt  BIGINT NOT NULL DEFAULT 0,    -- the amount paid to the person
    psn_part_amt     BIGINT NOT NULL DEFAULT 0,
    result_json      TEXT NOT NULL DEFAULT '',      -- engine result with trace
    approved_date    TEXT,
    batch_ref        TEXT NOT NULL DEFAULT '',
    paid_date        TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX claims_stage ON claims (stage, area_path);
CREATE INDEX claims_person ON claims (person_id, begin_date);
CREATE INDEX claims_area ON claims (area_path);

-- The bill's lines with the catalogue terms on the day (snapshot at filing)
-- and the split at filing.
CREATE TABLE claim_lines (
    claim_id      BIGINT NOT NULL REFERENCES claims(id),
    seq           INTEGER NOT NULL,
    line_no       TEXT NOT NULL,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    catalog_id    BIGINT NOT NULL,
    class         TEXT NOT NULL,
    selfpay_bp    INTEGER NOT NULL DEFAULT 0,
    price_cap     BIGINT NOT NULL DEFAULT 0,
    essential     BOOLEAN NOT NULL DEFAULT FALSE,
    restricted    BOOLEAN NOT NULL DEFAULT FALSE,
    levels        TEXT NOT NULL DEFAULT '',
    approval      INTEGER NOT NULL DEFAULT 0,
    qty           BIGINT NOT NULL,
    price         BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    fee_date      TEXT NOT NULL,
    fulamt_ownpay BIGINT NOT NULL,
    overlmt       BIGINT NOT NULL,
    preselfpay    BIGINT NOT NULL,
    inscp         BIGINT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (claim_id, seq)
);

-- Each step of a claim: who, when, decision, reason. actor_key is the user
-- (u:<id>, or the login name of a non-user actor); the unique key makes it
-- impossible for one user to perform two steps of one claim.
CREATE TABLE claim_steps (
    id          {{ID}},
    claim_id    BIGINT NOT NULL REFERENCES claims(id),
    step        TEXT NOT NULL CHECK (step IN ('entry', 'first_review', 'second_review', 'village', 'township', 'county')),
    decision    TEXT NOT NULL CHECK (decision IN ('filed', 'approved', 'rejected')),
    reason_code TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    user_id     BIGINT,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    actor_key   TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (claim_id, actor_key),
    UNIQUE (claim_id, step)
);
