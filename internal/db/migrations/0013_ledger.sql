-- Fund accounting (SPEC §9): a double-entry ledger. Owned by internal/ledger;
-- see docs/ledger.md for the chart of accounts and what each event posts.
--
-- Entries and postings are append-only: nothing here is ever updated or
-- deleted. A correction is a new entry with every line mirrored, pointing
-- at the entry it reverses (reverses_id, at most one reversal per entry).
-- Every entry balances (Σ debit = Σ credit); internal/ledger refuses any
-- other. Fund-year allocations (risk reserve, earmarked pools) are kept in
-- fund_allocations (internal/fund), one row per year and version.

-- The chart of accounts. kind: asset, liability, fund (net assets),
-- income, expense. keyed: what a posting to the account must name besides
-- the account ('' nothing; institution; source; kind = visit kind;
-- pool; person; layer).
CREATE TABLE ledger_accounts (
    code     TEXT PRIMARY KEY,
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'fund', 'income', 'expense')),
    normal   TEXT NOT NULL CHECK (normal IN ('debit', 'credit')),
    keyed    TEXT NOT NULL DEFAULT ''
);

INSERT INTO ledger_accounts (code, name_zh, name_en, kind, normal, keyed) VALUES
    ('1001', '基金专户存款', 'Special account (bank)', 'asset', 'debit', ''),
    ('1101', '应收筹资款', 'Contributions receivable', 'asset', 'debit', 'source'),
    ('2101', '应付医疗机构款', 'Payable to institutions', 'liability', 'credit', 'institution'),
    ('2102', '应付参合人员补偿款', 'Payable to enrollees (manual reimbursement)', 'liability', 'credit', 'person'),
    ('2201', '暂扣医疗机构款', 'Withheld from institutions', 'liability', 'credit', 'institution'),
    ('3101', '统筹基金', 'Pooled fund (accumulated)', 'fund', 'credit', ''),
    ('3201', '风险基金', 'Risk reserve', 'fund', 'credit', ''),
    ('3301', '专项基金', 'Earmarked pools', 'fund', 'credit', 'pool'),
    ('4101', '筹资收入', 'Contribution income', 'income', 'credit', 'source'),
    ('4201', '利息收入', 'Interest income', 'income', 'credit', ''),
    ('5101', '基本医疗补偿支出', 'Compensation: basic scheme', 'expense', 'debit', 'kind'),
    ('5102', '大病保险补偿支出', 'Compensation: catastrophic insurance', 'expense', 'debit', 'kind'),
    ('5103', '医疗救助支出', 'Compensation: medical assistance', 'expense', 'debit', 'kind'),
    ('5104', '政府兜底支出', 'Compensation: government backstop', 'expense', 'debit', 'kind'),
    ('5105', '公共卫生支出', 'Compensation: public health', 'expense', 'debit', 'kind'),
    ('5901', '违规扣款', 'Deductions from institutions', 'expense', 'credit', 'institution');

-- One business event's balanced entry. year: the scheme (fund) year the
-- event belongs to; entry_date: its civil date. event_kind and event_id
-- name the event's own record (a receipt, an arrival, a settlement, ...).
CREATE TABLE ledger_entries (
    id          {{ID}},
    year        INTEGER NOT NULL,
    entry_date  TEXT NOT NULL,
    event_kind  TEXT NOT NULL,
    event_id    BIGINT NOT NULL DEFAULT 0,
    memo        TEXT NOT NULL DEFAULT '',
    reverses_id BIGINT REFERENCES ledger_entries(id),
    total       BIGINT NOT NULL CHECK (total > 0),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_entries_event ON ledger_entries (event_kind, event_id);
CREATE INDEX ledger_entries_year ON ledger_entries (year, entry_date);
CREATE UNIQUE INDEX ledger_entries_one_reversal ON ledger_entries (reverses_id);

-- The lines of an entry. Exactly one of debit and credit is positive.
-- year, entry_date and event_kind are copied from the entry so reports
-- group postings without a join. institution_id: institutions.id on
-- institution-keyed accounts (and on expense lines of settlements, for
-- reports by level); sub_key: the source, visit kind, pool or person id.
CREATE TABLE ledger_postings (
    id             {{ID}},
    entry_id       BIGINT NOT NULL REFERENCES ledger_entries(id),
    line           INTEGER NOT NULL,
    year           INTEGER NOT NULL,
    entry_date     TEXT NOT NULL,
    event_kind     TEXT NOT NULL,
    account        TEXT NOT NULL REFERENCES ledger_accounts(code),
    institution_id BIGINT NOT NULL DEFAULT 0,
    sub_key        TEXT NOT NULL DEFAULT '',
    debit          BIGINT NOT NULL DEFAULT 0 CHECK (debit >= 0),
    credit         BIGINT NOT NULL DEFAULT 0 CHECK (credit >= 0),
    CHECK ((debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)),
    UNIQUE (entry_id, line)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account, year, entry_date);
CREATE INDEX ledger_postings_institution ON ledger_postings (institution_id, account);

-- Fund events that are not another room's record: interest credited to the
-- special account, a balance brought forward. Immutable; a correction is a
-- row with the opposite amount pointing at the one it corrects.
CREATE TABLE fund_events (
    id          {{ID}},
    year        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('interest', 'opening_balance')),
    amount      BIGINT NOT NULL,
    on_date     TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    reverses_id BIGINT REFERENCES fund_events(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fund_events_year ON fund_events (year, kind);
CREATE UNIQUE INDEX fund_events_one_reversal ON fund_events (reverses_id);

-- A year's allocation of its fund (SPEC §9): the risk reserve share and
-- the earmarked pools, as decided; a change is a new version (the latest
-- counts). The allocation's ledger entry points back at the row.
CREATE TABLE fund_allocations (
    id           {{ID}},
    year         INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    reserve_bp   BIGINT NOT NULL CHECK (reserve_bp >= 0 AND reserve_bp <= 10000),
    pools_json   TEXT NOT NULL DEFAULT '[]',
    raised       BIGINT NOT NULL,
    reserve      BIGINT NOT NULL,
    pooled       BIGINT NOT NULL,
    usable       BIGINT NOT NULL,
    monthly_plan BIGINT NOT NULL,
    entry_id     BIGINT REFERENCES ledger_entries(id),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    UNIQUE (year, version)
);
