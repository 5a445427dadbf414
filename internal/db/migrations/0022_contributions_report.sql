-- The fund-raising page (/enroll/receivables) and the fund notices sum the
-- year's contributions by source and by area and source, with the
-- reversals counted (docs/performance.md "Console pages on the demo
-- county"): a covering index makes each one read of the index, without a
-- look-up of the row for every contribution (five per enrollee). It starts
-- with (year, source), so the index it replaces is not needed: still one
-- index to write per contribution.
CREATE INDEX contributions_report ON contributions (year, source, area_path, reverses_id, amount);
DROP INDEX contributions_year_source;
