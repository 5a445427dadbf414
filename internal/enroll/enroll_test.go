package enroll_test

import (
	"context"
	"fmt"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// Pan county done-when: enrolling households under individual 30 +
// government 200 gives receivables of 30 and 200 per person by source, and
// the totals scale exactly with the head count.
func TestPanCountyReceivables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sizes := []int{3, 1, 2}
		total := 0
		for i, n := range sizes {
			h := w.house(t, w.villA)
			if n < 3 {
				h = w.house(t, w.villB, []person{{"王一", "户主", "1960-01-01", true, nil}, {"王二", "子", "1990-02-02", true, nil}}[:n]...)
			}
			ctx := w.clerkA
			if n < 3 {
				ctx = w.clerkB
			}
			r := must(w.s.Enroll(ctx, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day(fmt.Sprintf("2025-10-%02d", i+1))}))(t)
			if len(r.Lines) != n || r.PersonPays != times(yuan("30"), n) {
				t.Fatalf("receipt %s: %d lines, pays %s; want %d lines, %d × 30", r.No, len(r.Lines), r.PersonPays, n, n)
			}
			for _, l := range r.Lines {
				want := []enroll.Share{{Source: enroll.Individual, Amount: yuan("30")}, {Source: enroll.Government, Amount: yuan("200")}}
				if len(l.Shares) != 2 || l.Shares[0] != want[0] || l.Shares[1] != want[1] {
					t.Fatalf("%s shares = %v, want %v", l.Name, l.Shares, want)
				}
			}
			total += n
		}
		y := must(w.s.Year(w.admin, 2026))(t)
		proj, projTotal := must2(enroll.ProjectedDue(y, 1, int64(total)))(t)
		due := dueBySource(t, d, 2026)
		for _, sh := range proj {
			if due[sh.Source] != sh.Amount {
				t.Errorf("due %s = %s, want %s (= %d × standard)", sh.Source, due[sh.Source], sh.Amount, total)
			}
		}
		rec := must(w.s.Receivables(w.admin, 2026))(t)
		if rec.Enrollees != total || rec.Total.Due != projTotal || projTotal != times(yuan("230"), total) {
			t.Fatalf("receivables: %d enrollees, due %s; want %d and %s", rec.Enrollees, rec.Total.Due, total, projTotal)
		}
		ind := line(t, rec, enroll.Individual)
		if ind.Received != ind.Due || ind.RateText() != "100.00%" || ind.Persons != total {
			t.Fatalf("individual line %+v", ind)
		}
		gov := line(t, rec, enroll.Government)
		if gov.Received != 0 || gov.RateText() != "0.00%" || gov.Persons != total {
			t.Fatalf("government line %+v", gov)
		}
		if len(rec.Townships) != 2 || rec.Townships[0].Enrollees != 3 || rec.Townships[1].Enrollees != 3 ||
			rec.Townships[0].Total != yuan("690") || rec.Townships[1].Paid != yuan("90") {
			t.Fatalf("townships %+v", rec.Townships)
		}
	})
}

// SPEC §13.1: 947,387 enrollees × 30 = 2,842.16万 individual, × 200 =
// 18,947.74万 government, 21,789.9万 in all — exactly, in fen.
func TestPanCountyFiguresScale(t *testing.T) {
	p, _ := enroll.PresetByKey("pan")
	y := enroll.Year{Year: 2013, Standards: p.Standards}
	shares, total, err := enroll.ProjectedDue(y, 1, 947387)
	if err != nil {
		t.Fatal(err)
	}
	want := map[enroll.Source]money.Fen{enroll.Individual: yuan("28421610"), enroll.Government: yuan("189477400")}
	for _, s := range shares {
		if want[s.Source] != s.Amount {
			t.Errorf("%s = %s, want %s", s.Source, s.Amount, want[s.Source])
		}
	}
	if total != yuan("217899010") {
		t.Errorf("total = %s, want 217899010.00 (21,789.9万)", total)
	}
	// 万元 with one decimal, as the seed writes it: 21,789.901万 → 21,789.9万.
	if tenths := money.Share(total, 1, 1000*100); tenths != 217899 {
		t.Errorf("total in 0.1万 = %d, want 217899 (21,789.9万)", tenths)
	}
}

func line(t *testing.T, r enroll.Receivables, src enroll.Source) enroll.SourceLine {
	t.Helper()
	for _, l := range r.Sources {
		if l.Source == src {
			return l
		}
	}
	t.Fatalf("no %s line in %+v", src, r.Sources)
	return enroll.SourceLine{}
}

func must2[A, B any](a A, b B, err error) func(t *testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return a, b
	}
}

func TestCivilAffairsPaysIndividualShare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.house(t, w.villA, person{"赵五保", "户主", "1950-01-01", true, registry.Categories{registry.Wubao}},
			person{"赵妻", "配偶", "1952-01-01", false, nil})
		q := must(w.s.Quote(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-11-01")}))(t)
		if q.PersonPays != yuan("30") || q.CivilPays != yuan("30") || q.Government != yuan("400") || q.Total != yuan("460") {
			t.Fatalf("quote %+v", q)
		}
		r := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-11-01")}))(t)
		head := r.Lines[0]
		if head.Name != "赵五保" || head.PersonPays != 0 || head.CivilPays != yuan("30") || head.Total != yuan("230") {
			t.Fatalf("head line %+v", head)
		}
		if r.PersonPays != yuan("30") || r.CivilPays != yuan("30") {
			t.Fatalf("receipt pays %s, civil %s", r.PersonPays, r.CivilPays)
		}
		due := dueBySource(t, d, 2026)
		if due[enroll.CivilAffairs] != yuan("30") || due[enroll.Individual] != yuan("30") || due[enroll.Government] != yuan("400") {
			t.Fatalf("due %v", due)
		}
		rec := must(w.s.Receivables(w.admin, 2026))(t)
		if civ := line(t, rec, enroll.CivilAffairs); civ.Persons != 1 || civ.Due != yuan("30") || civ.Received != 0 {
			t.Fatalf("civil line %+v", civ)
		}
	})
}

func TestDoubleEnrollmentRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.house(t, w.villA)
		in := enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-10-01")}
		must(w.s.Enroll(w.clerkA, in))(t)
		_, err := w.s.Enroll(w.clerkA, in)
		wantErr(t, err, apperr.Conflict, "already_enrolled")
		_, err = w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, PersonIDs: []int64{h.Members[0].ID}})
		wantErr(t, err, apperr.Conflict, "already_enrolled")
		// Two desks racing for one household: exactly one wins.
		h2 := w.house(t, w.villA)
		in.HouseholdID = h2.ID
		errs := make(chan error, 2)
		for range 2 {
			go func() { _, err := w.s.Enroll(w.clerkA, in); errs <- err }()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("racing enrollments: %v, %v; want one success", e1, e2)
		}
		if e1 == nil {
			e1 = e2
		}
		wantErr(t, e1, apperr.Conflict, "already_enrolled")
		var n int
		must(0, d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM enrollments`).Scan(&n))(t)
		if n != 6 {
			t.Fatalf("%d enrollments, want 6", n)
		}
		assertGapFree(t, d, 2026, 2)
	})
}

// assertGapFree checks that the year's receipts are numbered 1..n.
func assertGapFree(t *testing.T, d *db.DB, year, n int) {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT receipt_no FROM contribution_payments
		WHERE year = ? AND reverses_id IS NULL ORDER BY receipt_seq`, year)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			t.Fatal(err)
		}
		i++
		if want := enroll.ReceiptNo(year, int64(i)); no != want {
			t.Fatalf("receipt %d is %s, want %s", i, no, want)
		}
	}
	if i != n {
		t.Fatalf("%d receipts, want %d", i, n)
	}
}
