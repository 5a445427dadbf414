-- Charge batches (收费批次, chrg_bchno): the HIS names the batch each fee
-- line was uploaded in, and 2205 may revoke one batch's unsettled lines.
-- Lines uploaded before this migration belong to no batch ('').
ALTER TABLE fee_lines ADD COLUMN chrg_bchno TEXT NOT NULL DEFAULT '';
CREATE INDEX fee_lines_batch ON fee_lines (visit_id, chrg_bchno);
