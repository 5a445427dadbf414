package enroll_test

import (
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/fund"
	"ncms/internal/registry"
)

// Bulk enrollment writes what the desk writes: a numbered receipt per
// household (continuing the year's numbers), an enrollment per person and
// contributions per person and source; one ledger entry for the batch.
// Township A's clerk enrolls township A only; a household already at the
// desk and a subsidized (低保) member are left alone.
func TestEnrollBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		desk := w.house(t, w.villA)
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: desk.ID, Tier: 1, PaidOn: day("2025-10-01")}))(t)
		bulk := w.house(t, w.villA) // 3 people
		w.house(t, w.villA, person{"王一", "户主", "1960-01-01", true, nil}, person{"王二", "子", "1990-01-01", true, registry.Categories{registry.Dibao}})
		w.house(t, w.villB) // township B: not the clerk's

		res := must(w.s.EnrollBulk(w.clerkA, enroll.BulkInput{Year: 2026, Tier: 1, PaidOn: day("2025-11-02")}))(t)
		if res.Households != 2 || res.Persons != 4 || res.Subsidized != 1 || res.FirstSeq != 2 || res.LastSeq != 3 {
			t.Fatalf("result %+v: want 2 households, 4 persons (3 + 王一), 1 subsidized left, receipts 2..3", res)
		}
		if res.Total != yuan("920.00") { // 4 × 230
			t.Errorf("total %s, want 920.00", res.Total)
		}
		due := dueBySource(t, d, 2026)
		if due[enroll.Individual] != yuan("210.00") || due[enroll.Government] != yuan("1400.00") { // 7 people × 30, × 200
			t.Errorf("due %v, want individual 210.00 and government 1400.00 for 7 enrolled", due)
		}
		var receipts, amount int64
		if err := d.QueryRowContext(w.admin, `SELECT COUNT(*), SUM(amount) FROM contribution_payments WHERE year = 2026 AND receipt_no IN ('2026-000002', '2026-000003')`).Scan(&receipts, &amount); err != nil || receipts != 2 || amount != 12000 {
			t.Errorf("batch receipts %d amount %d (%v), want 2 receipts of 90.00 + 30.00", receipts, amount, err)
		}
		if raised := must(fund.Raised(w.admin, d, 2026))(t); raised != yuan("1610.00") {
			t.Errorf("ledger raised %s, want 7 × 230 = 1610.00", raised)
		}
		for _, m := range bulk.Members {
			c := must(enroll.CoverageOf(w.admin, d, m.ID, day("2026-03-01")))(t)
			if !c.Covered {
				t.Errorf("bulk-enrolled %s not covered: %+v", m.Name, c)
			}
		}
		_, err := w.s.EnrollBulk(w.clerkA, enroll.BulkInput{Year: 2026, Tier: 1, PaidOn: day("2025-11-02")})
		wantErr(t, err, apperr.Conflict, "nobody_to_enroll")
		_, err = w.s.EnrollBulk(w.clerkB, enroll.BulkInput{Year: 2026, Tier: 1, PaidOn: day("2026-02-01")})
		wantErr(t, err, apperr.Invalid, "bulk_late")
	})
}
