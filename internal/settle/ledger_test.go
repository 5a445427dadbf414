package settle_test

import (
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/settle"
)

// A settlement posts its fund share in its own transaction (Chongqing tier
// 1, level 2, in-scope 10,000: basic 5,820 = expense against the payable to
// the institution); its reversal mirrors it; a refused settlement posts
// nothing.
func TestSettlementPostsToLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		inst := f.inst["county"]
		v := f.admission(ctx, f.person(1), line("1", "A001", "10000.00"))
		st, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MedFee: y("10000.00")})
		if err != nil {
			t.Fatal(err)
		}
		id, err := ledger.EntryOf(f.ctx, d, ledger.EvSettlement, st.ID)
		if err != nil || id == 0 {
			t.Fatalf("no entry for settlement %d: %v", st.ID, err)
		}
		tb, err := ledger.Balances(f.ctx, d, ledger.Filter{EventKind: ledger.EvSettlement, EventID: st.ID}, true)
		if err != nil {
			t.Fatal(err)
		}
		if !tb.Balanced || tb.Debit != y("5820.00") || len(tb.Rows) != 2 || tb.Rows[0].Account.Code != ledger.PayableInstitution ||
			tb.Rows[0].Institution != inst || tb.Rows[1].Account.Code != ledger.ExpenseBasic || tb.Rows[1].Key != st.Kind {
			t.Fatalf("settlement entry: %+v", tb)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v}); err == nil {
			t.Fatal("settled twice")
		}
		if _, err := f.svc.Reverse(ctx, settle.ReverseRequest{VisitID: v, SettlementID: st.ID}); err != nil {
			t.Fatal(err)
		}
		pos, err := ledger.InstitutionPosition(f.ctx, d, inst, 0)
		if err != nil {
			t.Fatal(err)
		}
		if pos.Advanced != y("5820.00") || pos.Reversed != y("5820.00") || pos.Payable != 0 {
			t.Fatalf("after reversal: %+v", pos)
		}
		var entries int
		if err := d.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM ledger_entries`).Scan(&entries); err != nil || entries != 2 {
			t.Fatalf("entries = %d (%v), want settlement and reversal only", entries, err)
		}
	})
}
