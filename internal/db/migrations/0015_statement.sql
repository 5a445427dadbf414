-- Monthly institution statements, deductions, withholding under the
-- agreement, year-end true-up and bank batches (SPEC §9, §10). Owned by
-- internal/statement. Money columns are BIGINT fen; days are YYYY-MM-DD
-- text; instants are UTC text. Nothing here is deleted.

-- Agreement terms of an institution for one year (协议): the limit on the
-- patients' self-paid share (Panyu: town ≤ 16%, district ≤ 20%), which
-- settlements it applies to, and the yearly budget (总额预算).
CREATE TABLE statement_terms (
    institution_id   BIGINT NOT NULL REFERENCES institutions(id),
    year             INTEGER NOT NULL,
    selfpay_limit_bp INTEGER NOT NULL DEFAULT 0,  -- basis points; 0: no withholding
    selfpay_scope    TEXT NOT NULL DEFAULT 'inpatient' CHECK (selfpay_scope IN ('inpatient', 'all')),
    budget           BIGINT NOT NULL DEFAULT 0,   -- 0: no budget
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (institution_id, year)
);

-- Deductions for violations (扣款), taken at the next monthly statement.
-- status: open (to be taken), taken (statement_id set), cancelled. No CHECK
-- on status: the notice-and-response workflow may add states before open.
CREATE TABLE deductions (
    id             {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    amount         BIGINT NOT NULL CHECK (amount > 0),
    reason         TEXT NOT NULL,
    source_type    TEXT NOT NULL DEFAULT '',      -- e.g. inspection_case, spot_check, complaint
    source_ref     TEXT NOT NULL DEFAULT '',      -- the case id in that source
    found_on       TEXT NOT NULL,                 -- civil date of the finding
    status         TEXT NOT NULL,
    statement_id   BIGINT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    cancelled_at   TEXT,
    cancelled_by   TEXT NOT NULL DEFAULT '',
    cancel_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deductions_institution ON deductions (institution_id, status);

-- One statement per institution and month. Its figures are frozen when it
-- is prepared (and when a rejected draft is refreshed):
--   payable = advanced - reversed - deducted - withheld + returned + carried
CREATE TABLE statements (
    id               {{ID}},
    institution_id   BIGINT NOT NULL REFERENCES institutions(id),
    period           TEXT NOT NULL,               -- YYYY-MM
    status           TEXT NOT NULL CHECK (status IN ('draft', 'checked', 'approved', 'batched', 'paid', 'closed')),
    settlements      INTEGER NOT NULL DEFAULT 0,  -- settlement rows taken (not reversals)
    reversals        INTEGER NOT NULL DEFAULT 0,
    late             INTEGER NOT NULL DEFAULT 0,  -- rows dated before the period (settled after an earlier statement)
    advanced         BIGINT NOT NULL DEFAULT 0,   -- fund shares of settlements
    reversed         BIGINT NOT NULL DEFAULT 0,   -- fund shares of reversals (positive)
    hifp             BIGINT NOT NULL DEFAULT 0,   -- net by layer: basic
    hifmi            BIGINT NOT NULL DEFAULT 0,   -- catastrophic
    maf              BIGINT NOT NULL DEFAULT 0,   -- assistance
    oth              BIGINT NOT NULL DEFAULT 0,   -- backstop and other
    medfee           BIGINT NOT NULL DEFAULT 0,   -- net total cost of all rows
    base_medfee      BIGINT NOT NULL DEFAULT 0,   -- net cost of rows the self-paid limit applies to
    base_selfpaid    BIGINT NOT NULL DEFAULT 0,   -- their fully self-paid + over-ceiling amounts
    selfpay_limit_bp INTEGER NOT NULL DEFAULT 0,
    deducted         BIGINT NOT NULL DEFAULT 0,
    withheld         BIGINT NOT NULL DEFAULT 0,
    returned         BIGINT NOT NULL DEFAULT 0,   -- withholding returned by a year-end true-up
    carried          BIGINT NOT NULL DEFAULT 0,   -- negative balance of earlier statements (<= 0)
    payable          BIGINT NOT NULL DEFAULT 0,
    budget           BIGINT NOT NULL DEFAULT 0,
    paid_before      BIGINT NOT NULL DEFAULT 0,   -- paid to this institution in the year before this statement
    prepared_by      TEXT NOT NULL,
    prepared_at      TEXT NOT NULL,
    checked_by       TEXT NOT NULL DEFAULT '',
    checked_at       TEXT,
    approved_by      TEXT NOT NULL DEFAULT '',
    approved_at      TEXT,
    reject_reason    TEXT NOT NULL DEFAULT '',
    carried_into     BIGINT,                      -- a negative balance taken by that statement
    paid_on          TEXT,
    bank_ref         TEXT NOT NULL DEFAULT '',
    UNIQUE (institution_id, period)
);
CREATE INDEX statements_period ON statements (period, status);

-- Which statement took each settlement row: a row is taken once, by the
-- first statement prepared after it was settled.
CREATE TABLE statement_settlements (
    settlement_id BIGINT PRIMARY KEY REFERENCES settlements(id),
    statement_id  BIGINT NOT NULL REFERENCES statements(id)
);
CREATE INDEX statement_settlements_statement ON statement_settlements (statement_id);

-- Each step of a statement, with who and why.
CREATE TABLE statement_events (
    id           {{ID}},
    statement_id BIGINT NOT NULL REFERENCES statements(id),
    step         TEXT NOT NULL,                   -- prepare, refresh, check, approve, reject, batch, unbatch, pay
    status       TEXT NOT NULL,                   -- status after the step
    reason       TEXT NOT NULL DEFAULT '',
    username     TEXT NOT NULL,
    role         TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL
);
CREATE INDEX statement_events_statement ON statement_events (statement_id, id);

-- Year-end true-up of withholding (Panyu rule), one per institution and
-- year. returned goes to the institution with the next statement.
CREATE TABLE withholding_trueups (
    id               {{ID}},
    institution_id   BIGINT NOT NULL REFERENCES institutions(id),
    year             INTEGER NOT NULL,
    base_medfee      BIGINT NOT NULL,
    base_selfpaid    BIGINT NOT NULL,
    selfpay_limit_bp INTEGER NOT NULL,
    withheld         BIGINT NOT NULL,
    kept             BIGINT NOT NULL,
    returned         BIGINT NOT NULL,
    statement_id     BIGINT,                      -- the statement that paid returned back
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    UNIQUE (institution_id, year)
);

-- Bank batches (代发批次): statements and approved manual claims paid by one
-- bank file. status: open (exported, awaiting the bank), paid, cancelled.
CREATE TABLE pay_batches (
    id           {{ID}},
    status       TEXT NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
    items        INTEGER NOT NULL,
    total        BIGINT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    paid_on      TEXT,
    bank_ref     TEXT NOT NULL DEFAULT '',
    recorded_at  TEXT,
    recorded_by  TEXT NOT NULL DEFAULT '',
    cancel_reason TEXT NOT NULL DEFAULT ''
);

-- The lines of a batch. An item (kind, ref_id) is in at most one batch that
-- is not cancelled.
CREATE TABLE pay_batch_items (
    batch_id     BIGINT NOT NULL REFERENCES pay_batches(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,                   -- statement, claim
    ref_id       BIGINT NOT NULL,
    payee        TEXT NOT NULL,
    bank_name    TEXT NOT NULL DEFAULT '',
    account_no   TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    reference    TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (batch_id, seq)
);
CREATE UNIQUE INDEX pay_batch_items_once ON pay_batch_items (kind, ref_id) WHERE active;
