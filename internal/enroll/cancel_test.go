package enroll_test

import (
	"context"
	"sync"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/money"
)

func TestCancellationRestoresTotals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		keep := w.house(t, w.villA)
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: keep.ID, Tier: 1, PaidOn: day("2025-10-01")}))(t)
		before := must(w.s.Receivables(w.admin, 2026))(t)

		h := w.house(t, w.villA)
		r := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-10-02")}))(t)
		_, err := w.s.Cancel(w.clerkA, enroll.CancelInput{PaymentID: r.PaymentID})
		wantErr(t, err, apperr.Invalid, "required")

		// One person first (found enrolled in the urban scheme), then the rest.
		r = must(w.s.Cancel(w.clerkA, enroll.CancelInput{PaymentID: r.PaymentID, PersonIDs: []int64{h.Members[2].ID}, Reason: "城镇居民医保重复参保"}))(t)
		if r.Status != enroll.ReceiptPartly || r.Refunded != yuan("30") || len(r.Reversals) != 1 {
			t.Fatalf("after one: %+v", r)
		}
		if c := must(w.s.Coverage(w.clerkA, h.Members[2].ID, day("2026-03-01")))(t); c.Covered || c.Reason != enroll.Cancelled {
			t.Fatalf("cancelled person: %+v", c)
		}
		mid := must(w.s.Receivables(w.admin, 2026))(t)
		if mid.Enrollees != before.Enrollees+2 || mid.Total.Due != before.Total.Due+times(yuan("230"), 2) {
			t.Fatalf("head count and money apart: %d enrollees, due %s", mid.Enrollees, mid.Total.Due)
		}
		r = must(w.s.Cancel(w.clerkA, enroll.CancelInput{PaymentID: r.PaymentID, Reason: "录入错误"}))(t)
		if r.Status != enroll.ReceiptReversed || r.Refunded != yuan("90") || r.PersonPays != yuan("90") || r.No != "2026-000002" {
			t.Fatalf("after all: %+v", r)
		}
		_, err = w.s.Cancel(w.clerkA, enroll.CancelInput{PaymentID: r.PaymentID, Reason: "again"})
		wantErr(t, err, apperr.Conflict, "already_cancelled")

		after := must(w.s.Receivables(w.admin, 2026))(t)
		if after.Enrollees != before.Enrollees || after.Total != before.Total {
			t.Fatalf("totals not restored: before %+v, after %+v", before.Total, after.Total)
		}
		for i := range before.Sources {
			if before.Sources[i] != after.Sources[i] {
				t.Fatalf("source %s: before %+v, after %+v", before.Sources[i].Source, before.Sources[i], after.Sources[i])
			}
		}
		// Nothing was deleted: the receipt stays, reversals reference it.
		var payments, contributions int
		must(0, d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM contribution_payments`).Scan(&payments))(t)
		must(0, d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM contributions`).Scan(&contributions))(t)
		if payments != 4 || contributions != 6+6+6 {
			t.Fatalf("%d payments, %d contributions; want 4 and 18", payments, contributions)
		}
		// The household can enroll again, with a new receipt number.
		r2 := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-10-03")}))(t)
		if r2.No != "2026-000003" || r2.Status != enroll.ReceiptValid {
			t.Fatalf("re-enrollment %s %s", r2.No, r2.Status)
		}
	})
}

// Twenty desks enrolling twenty households at once: receipts are unique
// and gap-free, on both engines.
func TestReceiptNumbersUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const n = 20
		var ids []int64
		for range n {
			ids = append(ids, w.house(t, w.villA).ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		nos := make(chan string, n)
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: id, Tier: 1, PaidOn: day("2025-11-11")})
				if err != nil {
					errs <- err
					return
				}
				nos <- r.No
			}()
		}
		wg.Wait()
		close(errs)
		close(nos)
		for err := range errs {
			t.Fatalf("enroll: %v", err)
		}
		seen := map[string]bool{}
		for no := range nos {
			if seen[no] {
				t.Fatalf("receipt %s issued twice", no)
			}
			seen[no] = true
		}
		for i := 1; i <= n; i++ {
			if !seen[enroll.ReceiptNo(2026, int64(i))] {
				t.Fatalf("receipt %s missing: %v", enroll.ReceiptNo(2026, int64(i)), seen)
			}
		}
		assertGapFree(t, d, 2026, n)
		if y := must(w.s.Year(w.admin, 2026))(t); y.ReceiptSeq != n {
			t.Fatalf("receipt_seq = %d", y.ReceiptSeq)
		}
	})
}

// S11 (SPEC §4, §13.4): 100 = 20 + 10 + 30 + 40; arrivals in dated
// installments, late days, and the arrival rate.
func TestArrivalsAndRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p, _ := enroll.PresetByKey("s11")
		must(w.s.CreateYear(w.admin, enroll.YearInput{Year: 2025, WaitingDays: -1}))(t)
		std := append([]enroll.Standard(nil), p.Standards...)
		for i := range std {
			if std[i].Source == enroll.Central {
				std[i].DueDate = day("2025-03-31")
			}
		}
		must(w.s.SetStandards(w.admin, 2025, std, p.Subsidies))(t)
		must(w.s.SetStatus(w.admin, 2025, enroll.Open))(t)
		for range 2 {
			h := w.house(t, w.villA)
			must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2025, HouseholdID: h.ID, Tier: 1, PaidOn: day("2024-12-01")}))(t)
		}
		// 6 enrollees: central due 240.00.
		a := must(w.s.RecordArrival(w.finance, enroll.ArrivalInput{Year: 2025, Source: enroll.Central, Amount: yuan("100"),
			ArrivedOn: day("2025-04-07"), Reference: "财社〔2025〕12号"}))(t)
		if a.DueDate != day("2025-03-31") || a.LateDays != 7 {
			t.Fatalf("arrival %+v: want due 31 March, 7 days late", a)
		}
		bad := must(w.s.RecordArrival(w.finance, enroll.ArrivalInput{Year: 2025, Source: enroll.Central, Amount: yuan("999"), ArrivedOn: day("2025-05-01")}))(t)
		must(w.s.ReverseArrival(w.finance, bad.ID, "重复录入"))(t)
		_, err := w.s.ReverseArrival(w.finance, bad.ID, "again")
		wantErr(t, err, apperr.Conflict, "already_reversed")
		must(w.s.RecordArrival(w.finance, enroll.ArrivalInput{Year: 2025, Source: enroll.Central, Amount: yuan("108.60"), ArrivedOn: day("2025-06-01"), DueDate: day("2025-06-30")}))(t)
		_, err = w.s.RecordArrival(w.finance, enroll.ArrivalInput{Year: 2025, Source: enroll.Individual, Amount: yuan("1"), ArrivedOn: day("2025-06-01")})
		wantErr(t, err, apperr.Invalid, "bad_source")
		_, err = w.s.RecordArrival(w.clerkA, enroll.ArrivalInput{Year: 2025, Source: enroll.Central, Amount: yuan("1"), ArrivedOn: day("2025-06-01")})
		wantErr(t, err, apperr.Forbidden, "forbidden")

		rec := must(w.s.Receivables(w.admin, 2025))(t)
		c := line(t, rec, enroll.Central)
		// 208.60 / 240.00 = 0.869166… → 86.92%.
		if c.Due != yuan("240") || c.Received != yuan("208.60") || c.Outstanding != yuan("31.40") || c.RateText() != "86.92%" || c.MaxLateDays != 7 {
			t.Fatalf("central %+v (%s)", c, c.RateText())
		}
		if len(rec.Arrivals) != 4 {
			t.Fatalf("%d arrival rows, want 4", len(rec.Arrivals))
		}
	})
}

// S11's figures: 532,815 × 100 = 5,328.15万 due; 4,631.345万 received; the
// arrival rate is computed exactly and rounded once to 0.01%.
func TestS11Figures(t *testing.T) {
	p, _ := enroll.PresetByKey("s11")
	_, due, err := enroll.ProjectedDue(enroll.Year{Standards: p.Standards}, 1, 532815)
	if err != nil || due != yuan("53281500") {
		t.Fatalf("due = %s, %v; want 53281500.00", due, err)
	}
	received := yuan("46313450")
	r, ok := enroll.ArrivalRate(received, due)
	// 46,313,450 × 10,000 ÷ 53,281,500 = 8,692.22… basis points.
	if !ok || r != 8692 || enroll.FormatPercent(r) != "86.92%" {
		t.Fatalf("rate = %d (%s)", r, enroll.FormatPercent(r))
	}
	// S11's civil-affairs figure: 27,921 people × 20 = 55.842万.
	if v, _ := yuan("20").Mul(27921); v != yuan("558420") {
		t.Fatalf("civil affairs = %s", v)
	}
	for _, c := range []struct {
		rec, due money.Fen
		want     string
	}{{1, 3, "33.33%"}, {2, 3, "66.67%"}, {1, 8, "12.50%"}, {3, 3, "100.00%"}, {0, 5, "0.00%"}, {1, 20000, "0.01%"}, {1, 20001, "0.00%"}} {
		r, _ := enroll.ArrivalRate(c.rec, c.due)
		if got := enroll.FormatPercent(r); got != c.want {
			t.Errorf("%d/%d = %s, want %s", c.rec, c.due, got, c.want)
		}
	}
	if _, ok := enroll.ArrivalRate(1, 0); ok {
		t.Error("rate with nothing due should be unknown")
	}
}
