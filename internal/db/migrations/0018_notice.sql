-- Public notices, complaints and tip-offs, the message outbox, and the
-- notice-and-response workflow of deductions (SPEC §10, §11). Owned by
-- internal/notice, internal/complaint, internal/outbox and (deduction_*)
-- internal/statement. Money columns are BIGINT fen; days are YYYY-MM-DD
-- text; instants are UTC text. Nothing here is deleted.

-- A public notice (公示): the monthly compensation notice of one area
-- (county, township or village level: 三级公示), or a fund income and
-- spending notice. Its rows are a masked snapshot taken at generation, so a
-- notice never holds an ID number, a phone number or a diagnosis.
-- status: draft -> reviewed -> published; withdrawn at any time (with reason).
CREATE TABLE notices (
    id              {{ID}},
    kind            TEXT NOT NULL CHECK (kind IN ('compensation', 'fund')),
    period          TEXT NOT NULL,                -- YYYY-MM
    level           TEXT NOT NULL CHECK (level IN ('county', 'township', 'village')),
    area_id         BIGINT NOT NULL REFERENCES areas(id),
    area_path       TEXT NOT NULL,
    area_name       TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'reviewed', 'published', 'withdrawn')),
    people          INTEGER NOT NULL DEFAULT 0,   -- rows of a compensation notice
    total_cost      BIGINT NOT NULL DEFAULT 0,
    compensation    BIGINT NOT NULL DEFAULT 0,
    body_json       TEXT NOT NULL DEFAULT '',     -- fund notices: the lines
    publish_from    TEXT,                         -- first day shown
    publish_to      TEXT,                         -- last day shown (>= from + 6)
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    reviewed_at     TEXT,
    reviewed_by     TEXT NOT NULL DEFAULT '',
    published_at    TEXT,
    published_by    TEXT NOT NULL DEFAULT '',
    withdrawn_at    TEXT,
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX notices_one ON notices (kind, period, area_id) WHERE status <> 'withdrawn';
CREATE INDEX notices_public ON notices (status, publish_from, publish_to);
CREATE INDEX notices_area ON notices (area_path);

-- The rows of a compensation notice: masked name, place, kind of visit,
-- cost and compensation. person_id is kept for the "notice published"
-- messages only and is never shown.
CREATE TABLE notice_rows (
    notice_id    BIGINT NOT NULL REFERENCES notices(id),
    seq          INTEGER NOT NULL,
    name_masked  TEXT NOT NULL,
    township     TEXT NOT NULL DEFAULT '',
    village      TEXT NOT NULL DEFAULT '',
    visit_kind   TEXT NOT NULL,                   -- outpatient, inpatient, manual, ...
    institution  TEXT NOT NULL DEFAULT '',
    visit_date   TEXT NOT NULL,
    total_cost   BIGINT NOT NULL,
    compensation BIGINT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('settlement', 'claim')),
    source_id    BIGINT NOT NULL,
    person_id    BIGINT NOT NULL,
    PRIMARY KEY (notice_id, seq)
);

-- Complaints and tip-offs (投诉举报): intake, assignment, answer,
-- confirmation by the director, reward for a confirmed tip.
-- status: received -> assigned -> answered -> confirmed (closed).
CREATE TABLE complaints (
    id              {{ID}},
    kind            TEXT NOT NULL CHECK (kind IN ('complaint', 'tip')),
    channel         TEXT NOT NULL,                -- phone, visit, letter, web, other
    received_on     TEXT NOT NULL,
    complainant     TEXT NOT NULL DEFAULT '',     -- empty when anonymous
    contact         TEXT NOT NULL DEFAULT '',     -- phone or address, shown masked
    institution_id  BIGINT REFERENCES institutions(id),
    subject         TEXT NOT NULL,
    details         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('received', 'assigned', 'answered', 'confirmed')),
    assignee        TEXT NOT NULL DEFAULT '',
    due_on          TEXT,
    answer          TEXT NOT NULL DEFAULT '',
    finding         TEXT NOT NULL DEFAULT '' CHECK (finding IN ('', 'substantiated', 'partly', 'unsubstantiated')),
    answered_by     TEXT NOT NULL DEFAULT '',
    confirmed_by    TEXT NOT NULL DEFAULT '',
    reward          BIGINT NOT NULL DEFAULT 0,
    reward_status   TEXT NOT NULL DEFAULT '' CHECK (reward_status IN ('', 'granted', 'paid')),
    reward_paid_on  TEXT,
    deduction_id    BIGINT REFERENCES deductions(id),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX complaints_status ON complaints (status, received_on);

-- Each step of a complaint, with who and a note.
CREATE TABLE complaint_events (
    id           {{ID}},
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    step         TEXT NOT NULL,                   -- receive, assign, answer, confirm, reopen, reward, reward_paid
    note         TEXT NOT NULL DEFAULT '',
    username     TEXT NOT NULL,
    role         TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

-- The outbox of messages to participants (SMS through a gateway): written
-- in the transaction of the event or by a sweep, sent by the worker with
-- retries. dedupe_key makes each message once (e.g. settlement:42).
-- status: pending -> sent, or failed after the last attempt.
CREATE TABLE outbox_messages (
    id          {{ID}},
    kind        TEXT NOT NULL,                    -- compensation_paid, contribution_due, notice_published
    dedupe_key  TEXT NOT NULL UNIQUE,
    recipient   TEXT NOT NULL,                    -- phone number; shown masked
    person_id   BIGINT,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,                    -- UTC instant of the next attempt
    last_error  TEXT NOT NULL DEFAULT '',
    sender      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_due ON outbox_messages (status, next_at);

-- Watermarks of the outbox sweeps (e.g. the last settlement id looked at).
CREATE TABLE outbox_cursors (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- The notice of a deduction to the institution (扣款通知), its response and
-- the director's decision. While a notice is pending the deduction's status
-- is 'noticed' or 'responded', which no statement takes; the decision makes
-- it 'open' (taken at the next statement) or 'cancelled'.
CREATE TABLE deduction_notices (
    deduction_id    BIGINT PRIMARY KEY REFERENCES deductions(id),
    notice_text     TEXT NOT NULL,
    respond_by      TEXT NOT NULL,                -- last day for the response
    issued_at       TEXT NOT NULL,
    issued_by       TEXT NOT NULL,
    response        TEXT NOT NULL DEFAULT '',
    responded_at    TEXT,
    responded_by    TEXT NOT NULL DEFAULT '',
    decision        TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'confirmed', 'withdrawn')),
    decision_note   TEXT NOT NULL DEFAULT '',
    original_amount BIGINT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT NOT NULL DEFAULT ''
);

-- Refunds owed by the institution to patients it overcharged (退还患者),
-- tracked until refunded.
CREATE TABLE deduction_refunds (
    id            {{ID}},
    deduction_id  BIGINT NOT NULL REFERENCES deductions(id),
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    amount        BIGINT NOT NULL CHECK (amount > 0),
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('due', 'refunded')),
    refunded_on   TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    recorded_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deduction_refunds_deduction ON deduction_refunds (deduction_id);
