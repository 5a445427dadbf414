package ledger_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// instModel is what the test itself counts for one institution.
type instModel struct{ advanced, reversed, deducted, withheld, returned, kept, paid money.Fen }

func (m instModel) payable() money.Fen {
	return m.advanced - m.reversed - m.deducted - (m.withheld - m.returned) - m.paid
}

// TestRandomEventsKeepBooksBalanced posts thousands of random events —
// contributions, arrivals, interest, settlements and reversals, manual
// claims and their payments, deductions, withholding, year-end true-ups and
// institution payments, and some events that fail after posting — and then
// checks that the trial balance is zero, that for every institution
//
//	payable = advanced − reversed − deducted − (withheld − returned) − paid
//
// both as the test counted it and as the ledger reports it, and that failed
// events left no entry.
func TestRandomEventsKeepBooksBalanced(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 500
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(20260701, 5))
		insts := map[int64]*instModel{}
		persons := map[int64]money.Fen{}
		type setl struct {
			id, inst int64
			kind     string
			l        ledger.Layers
		}
		var open []setl
		var bank money.Fen
		entries, failed := 0, 0
		amt := func(max int64) money.Fen { return money.Fen(1 + rng.Int64N(max)) }
		day := civil.New(2026, 1, 1)
		var nextID int64
		for i := 0; i < n; i++ {
			if i%10 == 0 {
				day = day.AddDays(1)
			}
			nextID++
			inst := int64(1 + rng.IntN(6))
			m := insts[inst]
			if m == nil {
				m = &instModel{}
				insts[inst] = m
			}
			var e ledger.Entry
			var apply func()
			switch k := rng.IntN(100); {
			case k < 8:
				ind, gov := amt(100000), amt(1000000)
				e = ledger.ForContribution(2026, day, nextID, "", []ledger.SourceAmount{{Source: "individual", Amount: ind}, {Source: "government", Amount: gov}})
				apply = func() { bank += ind }
			case k < 12:
				a := amt(500000)
				e = ledger.ForArrival(ledger.EvArrival, 2026, day, nextID, "central", a, "")
				apply = func() { bank += a }
			case k < 14:
				a := amt(10000)
				e = ledger.ForInterest(2026, day, nextID, a, "")
				apply = func() { bank += a }
			case k < 45:
				s := setl{id: nextID, inst: inst, kind: []string{"outpatient", "inpatient"}[rng.IntN(2)],
					l: ledger.Layers{Basic: amt(300000), Catastrophic: money.Fen(rng.Int64N(3)) * amt(50000), Assistance: money.Fen(rng.Int64N(2)) * amt(20000),
						Backstop: money.Fen(rng.Int64N(2)) * amt(5000), PublicHealth: money.Fen(rng.Int64N(2)) * amt(1000)}}
				e = ledger.ForSettlement(ledger.Settlement{ID: s.id, Year: 2026, Date: day, Institution: inst, VisitKind: s.kind, Layers: s.l})
				apply = func() { m.advanced += s.l.Total(); open = append(open, s) }
			case k < 55 && len(open) > 0:
				j := rng.IntN(len(open))
				s := open[j]
				neg := ledger.Layers{Basic: -s.l.Basic, Catastrophic: -s.l.Catastrophic, Assistance: -s.l.Assistance, Backstop: -s.l.Backstop, PublicHealth: -s.l.PublicHealth}
				e = ledger.ForSettlement(ledger.Settlement{ID: nextID, Year: 2026, Date: day, Institution: s.inst, VisitKind: s.kind, Reversal: true, Layers: neg})
				apply = func() { insts[s.inst].reversed += s.l.Total(); open = append(open[:j], open[j+1:]...) }
			case k < 65:
				p := int64(1 + rng.IntN(20))
				l := ledger.Layers{Basic: amt(200000), Catastrophic: money.Fen(rng.Int64N(2)) * amt(80000)}
				e = ledger.ForClaim(2026, day, nextID, p, "inpatient", 0, l, "")
				apply = func() { persons[p] += l.Total() }
			case k < 72:
				p := int64(1 + rng.IntN(20))
				if persons[p] == 0 {
					continue
				}
				a := persons[p]
				e = ledger.ForClaimPayment(2026, day, nextID, p, a, "")
				apply = func() { persons[p] = 0; bank -= a }
			case k < 78:
				a := amt(30000)
				e = ledger.ForDeduction(2026, day, nextID, inst, a, "")
				apply = func() { m.deducted += a }
			case k < 84:
				a := amt(40000)
				e = ledger.ForWithholding(2026, day, nextID, inst, a, "")
				apply = func() { m.withheld += a }
			case k < 87:
				held := m.withheld - m.returned - m.kept
				if held <= 0 {
					continue
				}
				ret := money.Fen(rng.Int64N(int64(held) + 1))
				kept := held - ret
				e = ledger.ForWithholdingRefund(2026, day, nextID, inst, ret, kept, "")
				apply = func() { m.returned += ret; m.kept += kept }
			default:
				p := m.payable()
				if p <= 0 {
					continue
				}
				a := money.Fen(1 + rng.Int64N(int64(p)))
				e = ledger.ForInstitutionPayment(2026, day, nextID, inst, a, "")
				apply = func() { m.paid += a; bank -= a }
			}
			fail := rng.IntN(20) == 0
			err := d.InTx(ctx, func(tx *db.Tx) error {
				if _, err := ledger.PostIfAny(ctx, tx, e); err != nil {
					return err
				}
				if fail {
					return errors.New("the event failed after posting")
				}
				return nil
			})
			switch {
			case fail && err == nil:
				t.Fatal("failing event committed")
			case fail:
				failed++
			case err != nil:
				t.Fatalf("event %d (%s): %v", i, e.Kind, err)
			default:
				if !e.Empty() {
					entries++
				}
				apply()
			}
		}
		var stored int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_entries`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != entries {
			t.Errorf("%d entries stored, %d events committed (%d failed events must leave none)", stored, entries, failed)
		}
		tb, err := ledger.Balances(ctx, d, ledger.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		if !tb.Balanced || tb.Debit == 0 {
			t.Errorf("trial balance: debit %s credit %s", tb.Debit, tb.Credit)
		}
		var net money.Fen
		for _, r := range tb.Rows {
			net += r.Debit - r.Credit
			switch {
			case r.Account.Code == ledger.Bank && r.Balance != bank:
				t.Errorf("bank %s, counted %s", r.Balance, bank)
			case r.Account.Code == ledger.PayablePerson:
				p, _ := strconv.ParseInt(r.Key, 10, 64)
				if r.Balance != persons[p] {
					t.Errorf("payable to person %d: %s, counted %s", p, r.Balance, persons[p])
				}
			}
		}
		if net != 0 {
			t.Errorf("Σ(debit − credit) = %s, want 0", net)
		}
		for id, m := range insts {
			pos, err := ledger.InstitutionPosition(ctx, d, id, 2026)
			if err != nil {
				t.Fatal(err)
			}
			want := m.payable()
			got := pos.Advanced - pos.Reversed - pos.Deducted - (pos.Withheld - pos.Returned) - pos.Paid
			if pos.Payable != want || got != want || pos.Advanced != m.advanced || pos.Reversed != m.reversed ||
				pos.Deducted != m.deducted || pos.Withheld != m.withheld || pos.Returned != m.returned || pos.Kept != m.kept || pos.Paid != m.paid {
				t.Errorf("institution %d: ledger %+v, counted %+v (payable %s)", id, pos, *m, want)
			}
			if pos.WithheldNow != m.withheld-m.returned-m.kept {
				t.Errorf("institution %d withheld now %s, counted %s", id, pos.WithheldNow, m.withheld-m.returned-m.kept)
			}
		}
		t.Logf("%d events: %d entries, %d failed, %d institutions", n, entries, failed, len(insts))
	})
}
