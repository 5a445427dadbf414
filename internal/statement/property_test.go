package statement_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	gotime "time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/money"
	"ncms/internal/settle"
	"ncms/internal/statement"
)

// TestPayableIdentity runs random months of settlements, reversals,
// deductions, statements (some rejected and refreshed, some left in
// draft), batches (some lines returned by the bank) and payments, and
// checks after each month, for every institution, from the raw rows:
//
//	outstanding = advanced − reversed − deducted − withheld − paid
//
// where outstanding is the payable of its statements not yet paid, and
// that the ledger's payable to the institution agrees.
func TestPayableIdentity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, statement.Options{})
		keys := []string{"town", "district", "other"}
		f.terms("town", money.Percent(16), 0)
		f.terms("district", money.Percent(20), 0)
		rng := rand.New(rand.NewPCG(7, 2008))
		var done []struct {
			key string
			st  settle.Settlement
		}
		for m := 1; m <= 6; m++ {
			for i := 0; i < 4; i++ {
				f.clock.Set(fmt.Sprintf("2008-%02d-%02d", m, 5+i*5))
				key := keys[rng.IntN(3)]
				in := money.Fen(rng.Int64N(400000) + 1000)
				self := money.Fen(rng.Int64N(int64(in) / 2))
				done = append(done, struct {
					key string
					st  settle.Settlement
				}{key, f.admit(key, in.String(), self.String())})
				if rng.IntN(4) == 0 && len(done) > 1 {
					k := rng.IntN(len(done))
					if done[k].st.ID != 0 {
						f.reverse(done[k].key, done[k].st)
						done[k].st.ID = 0
					}
				}
				if rng.IntN(3) == 0 {
					if _, err := f.svc.AddDeduction(ivan, statement.Deduction{InstitutionID: f.inst[keys[rng.IntN(3)]],
						Amount: money.Fen(rng.Int64N(300000) + 1), Reason: "违规"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			f.clock.Set(fmt.Sprintf("2008-%02d-02", m+1))
			p := statement.Period{Year: 2008, Month: gotime.Month(m)}
			for _, key := range keys {
				st, err := f.svc.Prepare(alice, f.inst[key], p)
				if err != nil {
					t.Fatal(err)
				}
				switch rng.IntN(5) {
				case 0: // left in draft
					continue
				case 1:
					if _, err := f.svc.Reject(bob, st.ID, "重新核对"); err != nil {
						t.Fatal(err)
					}
					if st, err = f.svc.Prepare(alice, f.inst[key], p); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := f.svc.Check(bob, st.ID, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.Approve(dora, st.ID, ""); err != nil {
					t.Fatal(err)
				}
			}
			items, err := f.svc.Payable(alice)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) > 0 && rng.IntN(3) > 0 {
				var refs []statement.Ref
				for _, it := range items {
					refs = append(refs, statement.Ref{Kind: it.Kind, RefID: it.RefID})
				}
				b, err := f.svc.CreateBatch(bob, refs, "")
				if err != nil {
					t.Fatal(err)
				}
				pay := statement.Payment{PaidOn: f.svc.Today(), BankRef: fmt.Sprintf("B%d", b.ID)}
				if len(b.Lines) > 1 && rng.IntN(2) == 0 {
					pay.Failed = []int{b.Lines[0].Seq}
				}
				if _, err := f.svc.RecordPayment(bob, b.ID, pay); err != nil {
					t.Fatal(err)
				}
			}
			for _, key := range keys {
				checkIdentity(t, d, f.inst[key], m)
			}
		}
		// The run covered every path: paid, carried, draft, negative and returned lines.
		for _, c := range []string{`status = 'paid'`, `status = 'closed' AND carried_into IS NOT NULL`, `status = 'draft'`, `withheld > 0`, `carried < 0`} {
			if f.count(`SELECT COUNT(*) FROM statements WHERE `+c) == 0 {
				t.Errorf("no statement with %s", c)
			}
		}
		if f.count(`SELECT COUNT(*) FROM pay_batch_items WHERE NOT active`) == 0 {
			t.Error("no line returned by the bank")
		}
	})
}

func checkIdentity(t *testing.T, d *db.DB, inst int64, month int) {
	t.Helper()
	ctx := context.Background()
	var adv, rev, ded, paid, outstanding, untaken, pending int64
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := d.QueryRowContext(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(&adv, `SELECT COALESCE(SUM(s.fund_pay_sumamt), 0) FROM statement_settlements x JOIN settlements s ON s.id = x.settlement_id
		WHERE s.institution_id = ? AND s.reverses_id IS NULL`, inst)
	q(&rev, `SELECT COALESCE(-SUM(s.fund_pay_sumamt), 0) FROM statement_settlements x JOIN settlements s ON s.id = x.settlement_id
		WHERE s.institution_id = ? AND s.reverses_id IS NOT NULL`, inst)
	q(&ded, `SELECT COALESCE(SUM(amount), 0) FROM deductions WHERE institution_id = ? AND status = 'taken'`, inst)
	q(&paid, `SELECT COALESCE(SUM(i.amount), 0) FROM pay_batch_items i JOIN pay_batches b ON b.id = i.batch_id
		JOIN statements st ON st.id = i.ref_id WHERE i.kind = 'statement' AND i.active AND b.status = 'paid' AND st.institution_id = ?`, inst)
	q(&outstanding, `SELECT COALESCE(SUM(payable), 0) FROM statements WHERE institution_id = ? AND status NOT IN ('paid', 'closed')`, inst)
	q(&untaken, `SELECT COALESCE(SUM(fund_pay_sumamt), 0) FROM settlements s WHERE institution_id = ?
		AND NOT EXISTS (SELECT 1 FROM statement_settlements x WHERE x.settlement_id = s.id)`, inst)
	// Withholding, recomputed from each statement's own settlement rows.
	rows, err := d.QueryContext(ctx, `SELECT st.id, st.status, st.selfpay_limit_bp, COALESCE(SUM(s.medfee_sumamt), 0),
		COALESCE(SUM(s.fulamt_ownpay_amt + s.overlmt_selfpay), 0),
		(SELECT COALESCE(SUM(amount), 0) FROM deductions WHERE statement_id = st.id AND status = 'taken')
		FROM statements st LEFT JOIN statement_settlements x ON x.statement_id = st.id LEFT JOIN settlements s ON s.id = x.settlement_id
		WHERE st.institution_id = ? GROUP BY st.id, st.status, st.selfpay_limit_bp`, inst)
	if err != nil {
		t.Fatal(err)
	}
	var withheld money.Fen
	for rows.Next() {
		var id, limit, med, self, sded int64
		var status string
		if err := rows.Scan(&id, &status, &limit, &med, &self, &sded); err != nil {
			t.Fatal(err)
		}
		w := statement.Withholding(money.Fen(med), money.Fen(self), money.Rate(limit))
		withheld += w
		if status == statement.Draft || status == statement.Checked {
			pending += int64(w) + sded // not yet posted to the ledger
		}
	}
	rows.Close()
	want := money.Fen(adv-rev-ded-paid) - withheld
	if money.Fen(outstanding) != want {
		t.Fatalf("month %d institution %d: outstanding %s ≠ advanced %s − reversed %s − deducted %s − withheld %s − paid %s = %s",
			month, inst, money.Fen(outstanding), money.Fen(adv), money.Fen(rev), money.Fen(ded), withheld, money.Fen(paid), want)
	}
	pos, err := ledger.InstitutionPosition(ctx, d, inst, 0)
	if err != nil {
		t.Fatal(err)
	}
	if pos.Payable != money.Fen(outstanding+untaken+pending) {
		t.Fatalf("month %d institution %d: ledger payable %s ≠ outstanding %s + not yet in a statement %s + not yet approved %s",
			month, inst, pos.Payable, money.Fen(outstanding), money.Fen(untaken), money.Fen(pending))
	}
}
