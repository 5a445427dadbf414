-- Statistics (SPEC §12). Owned by internal/stats; no tables, only indexes
-- that let the yearly report read 1,000,000 settlements without touching
-- the settlement rows themselves (they carry the engine's answer as JSON,
-- several KB each): the covering index holds every column the aggregates
-- read, in settlement-date order, so a period is one range scan of it.
CREATE INDEX settlements_stats ON settlements (setl_date, person_id, institution_id, kind, clr_type, med_type,
    reverses_id, medfee_sumamt, inscp_scp_amt, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt);
CREATE INDEX claims_stats ON claims (approved_date, stage);
