package enroll_test

import (
	"context"
	"testing"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

func TestLateEnrollmentCoverage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.house(t, w.villA)
		// Paid 10 Feb 2026, after the window (1 Sep – 20 Dec 2025):
		// covered from 10 Feb + 90 days = 11 May 2026 to 31 Dec 2026.
		r := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2026-02-10")}))(t)
		l := r.Lines[0]
		if !l.Late || l.From != day("2026-05-11") || l.To != day("2026-12-31") {
			t.Fatalf("late line %+v", l)
		}
		pid := h.Members[0].ID
		c := must(w.s.Coverage(w.clerkA, pid, day("2026-05-10")))(t)
		if c.Covered || c.Reason != enroll.Waiting || c.Since != day("2026-05-11") || c.Tier != 1 {
			t.Fatalf("on 10 May: %+v", c)
		}
		c = must(w.s.Coverage(w.clerkA, pid, day("2026-05-11")))(t)
		if !c.Covered || c.Tier != 1 || c.Year != 2026 || c.Via != enroll.ViaOwn {
			t.Fatalf("on 11 May: %+v", c)
		}
		// An in-window payment covers from 1 January.
		h2 := w.house(t, w.villA)
		r2 := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h2.ID, Tier: 1, PaidOn: day("2025-12-20")}))(t)
		if r2.Lines[0].Late || r2.Lines[0].From != day("2026-01-01") {
			t.Fatalf("window line %+v", r2.Lines[0])
		}
		c = must(enroll.CoverageOf(context.Background(), d, h2.Members[1].ID, day("2026-01-01")))(t)
		if !c.Covered {
			t.Fatalf("1 Jan: %+v", c)
		}
		c = must(enroll.CoverageOf(context.Background(), d, h2.Members[1].ID, day("2027-01-01")))(t)
		if c.Covered || c.Reason != enroll.NoSchemeYear {
			t.Fatalf("2027: %+v", c)
		}
		// Mid-year enrollment: head count and money move together.
		h3 := w.house(t, w.villA)
		r3 := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h3.ID, Tier: 1, PaidOn: day("2026-06-15")}))(t)
		if r3.Lines[0].From != day("2026-09-13") {
			t.Fatalf("mid-June payment covered from %s, want 2026-09-13", r3.Lines[0].From)
		}
		rec := must(w.s.Receivables(w.admin, 2026))(t)
		if rec.Enrollees != 9 || rec.Total.Due != times(yuan("230"), 9) {
			t.Fatalf("after mid-year enrollment: %d enrollees, due %s", rec.Enrollees, rec.Total.Due)
		}
	})
}

func TestNewbornThroughMother(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.house(t, w.villA, person{"陈强", "户主", "1990-01-01", true, nil}, person{"刘芳", "配偶", "1993-04-04", false, nil})
		mother := h.Members[1]
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-11-01")}))(t)
		baby := must(w.reg.AddMember(w.clerkA, h.ID, registry.MemberEdit{Event: registry.EvBorn, Date: day("2026-03-01"),
			PersonInput: registry.PersonInput{Name: "陈宝", Sex: idcard.Female, BirthDate: day("2026-03-01"), Relation: "女", MotherID: mother.ID}}))(t)
		c := must(w.s.Coverage(w.clerkA, baby.ID, day("2026-02-28")))(t)
		if c.Covered || c.Reason != enroll.NotBorn {
			t.Fatalf("before birth: %+v", c)
		}
		c = must(w.s.Coverage(w.clerkA, baby.ID, day("2026-03-01")))(t)
		if !c.Covered || c.Via != enroll.ViaMother || c.Tier != 1 || c.From != day("2026-03-01") || c.To != day("2026-12-31") {
			t.Fatalf("at birth: %+v", c)
		}
		// The baby may also enroll on its own; paid within 90 days of birth
		// (after the window) it is covered from birth, with no waiting.
		r := must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, PaidOn: day("2026-04-20"), PersonIDs: []int64{baby.ID}}))(t)
		if len(r.Lines) != 1 || r.Tier != 1 || r.Lines[0].From != day("2026-03-01") || r.PersonPays != yuan("30") {
			t.Fatalf("own enrollment %+v", r)
		}
		c = must(w.s.Coverage(w.clerkA, baby.ID, day("2026-03-02")))(t)
		if !c.Covered || c.Via != enroll.ViaOwn {
			t.Fatalf("own: %+v", c)
		}
		// A child born before the period is not covered through the mother.
		older := must(w.reg.AddMember(w.clerkA, h.ID, registry.MemberEdit{Event: registry.EvBorn, Date: day("2025-06-01"),
			PersonInput: registry.PersonInput{Name: "陈大宝", Sex: idcard.Male, BirthDate: day("2025-06-01"), Relation: "子", MotherID: mother.ID}}))(t)
		c = must(w.s.Coverage(w.clerkA, older.ID, day("2026-03-02")))(t)
		if c.Covered || c.Reason != enroll.NotEnrolled {
			t.Fatalf("older child: %+v", c)
		}
	})
}

func TestCoverageEndsAtDeath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.house(t, w.villA)
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-11-01")}))(t)
		son := h.Members[2]
		must(w.reg.ChangeStatus(w.clerkA, son.ID, registry.StatusChange{Kind: registry.EvDeceased, Date: day("2026-04-01")}))(t)
		if c := must(w.s.Coverage(w.clerkA, son.ID, day("2026-04-01")))(t); !c.Covered {
			t.Fatalf("day of death: %+v", c)
		}
		c := must(w.s.Coverage(w.clerkA, son.ID, day("2026-04-02")))(t)
		if c.Covered || c.Reason != enroll.Deceased || c.Since != day("2026-04-01") {
			t.Fatalf("after death: %+v", c)
		}
		// A member who moved out is not enrolled with the household.
		h2 := w.house(t, w.villA)
		must(w.reg.ChangeStatus(w.clerkA, h2.Members[2].ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("2026-05-01")}))(t)
		q := must(w.s.Quote(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h2.ID, Tier: 1, PaidOn: day("2026-06-15")}))(t)
		if len(q.Lines) != 2 {
			t.Fatalf("quote lines %d, want 2 (moved-out member excluded)", len(q.Lines))
		}
	})
}

func TestScopeIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		hA := w.house(t, w.villA)
		in := enroll.EnrollInput{Year: 2026, HouseholdID: hA.ID, Tier: 1, PaidOn: day("2025-11-01")}
		_, err := w.s.Enroll(w.clerkB, in)
		wantErr(t, err, apperr.NotFound, "household_not_found")
		_, err = w.s.Quote(w.clerkB, in)
		wantErr(t, err, apperr.NotFound, "household_not_found")
		r := must(w.s.Enroll(w.clerkA, in))(t)
		_, err = w.s.Receipt(w.clerkB, r.PaymentID)
		wantErr(t, err, apperr.NotFound, "receipt_not_found")
		_, err = w.s.ReceiptByNo(w.clerkB, r.No)
		wantErr(t, err, apperr.NotFound, "receipt_not_found")
		_, err = w.s.Cancel(w.clerkB, enroll.CancelInput{PaymentID: r.PaymentID, Reason: "x"})
		wantErr(t, err, apperr.NotFound, "receipt_not_found")
		_, err = w.s.Coverage(w.clerkB, hA.Members[0].ID, day("2026-03-01"))
		wantErr(t, err, apperr.NotFound, "person_not_found")
		rec := must(w.s.Receivables(w.clerkB, 2026))(t)
		if rec.Enrollees != 0 || rec.Total.Due != 0 || rec.County || len(rec.Townships) != 1 || rec.Townships[0].Name != "柏果镇" {
			t.Fatalf("clerk B sees %+v", rec)
		}
		if rec := must(w.s.Receivables(w.clerkA, 2026))(t); rec.Enrollees != 3 || len(rec.Arrivals) != 0 {
			t.Fatalf("clerk A sees %+v", rec)
		}
		// An institution may ask about anyone's coverage, and nothing else.
		inst := access.WithActor(context.Background(), access.Actor{Username: "his:1", Role: access.Institution,
			Scope: access.Scope{InstitutionID: 7}})
		if c := must(w.s.Coverage(inst, hA.Members[0].ID, day("2026-03-01")))(t); !c.Covered {
			t.Fatalf("institution: %+v", c)
		}
		_, err = w.s.Receipt(inst, r.PaymentID)
		wantErr(t, err, apperr.Forbidden, "forbidden")
		_, err = w.s.Enroll(w.finance, in)
		wantErr(t, err, apperr.Forbidden, "forbidden")
		_, err = w.s.SetStatus(w.clerkA, 2026, enroll.Closed)
		wantErr(t, err, apperr.Forbidden, "forbidden")
	})
}
