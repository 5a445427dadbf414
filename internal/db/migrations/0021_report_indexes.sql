-- Indexes for the console's report pages on a county's data
-- (docs/performance.md "Console pages on the demo county").
--
-- The fund report and the dashboard read the year's postings grouped by
-- account, key, event and institution (income by source, spending by layer,
-- kind and level, months, the cumulative balance): one covering index in
-- that order makes each an index range read in group order — no sort and no
-- row look-up (the postings' rows were read one by one before).
CREATE INDEX ledger_postings_report ON ledger_postings (year, account, sub_key, event_kind, institution_id, entry_date, debit, credit);
