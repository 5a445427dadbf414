package enroll_test

import (
	"context"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// allRowsFacts reads every enrollment of the person and of the mother in
// the scheme year of d, in id order — what CoverageOf once read — as the
// reference for TestCoverageOfMatchesAllRows.
func allRowsFacts(t *testing.T, d *db.DB, personID int64, on civil.Date) enroll.CoverFacts {
	t.Helper()
	ctx := context.Background()
	f := enroll.CoverFacts{PersonID: personID}
	var status string
	var mother *int64
	if err := d.QueryRowContext(ctx, `SELECT birth_date, status, status_date, mother_id FROM persons WHERE id = ?`, personID).
		Scan(&f.BirthDate, &status, &f.StatusDate, &mother); err != nil {
		t.Fatal(err)
	}
	f.Status = registry.Status(status)
	if mother != nil {
		f.MotherID = *mother
	}
	err := d.QueryRowContext(ctx, `SELECT year, period_from, period_to FROM scheme_years WHERE period_from <= ? AND period_to >= ?
		ORDER BY year LIMIT 1`, on, on).Scan(&f.Year, &f.PeriodFrom, &f.PeriodTo)
	if db.IsNoRows(err) {
		return f
	}
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.QueryContext(ctx, `SELECT id, person_id, tier, cover_from, cover_to, cancelled_at IS NOT NULL FROM enrollments
		WHERE year = ? AND person_id IN (?, ?) ORDER BY id`, f.Year, personID, f.MotherID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		r := enroll.CoverRow{Year: f.Year}
		var pid int64
		if err := rows.Scan(&r.ID, &pid, &r.Tier, &r.From, &r.To, &r.Cancelled); err != nil {
			t.Fatal(err)
		}
		if pid == personID {
			f.Own = append(f.Own, r)
		} else {
			f.Mother = append(f.Mother, r)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCoverageOfMatchesAllRows: CoverageOf, which reads only the year's
// uncancelled enrollments (and one cancelled one when there is no
// uncancelled), answers exactly as Decide does over all the enrollments
// of the person and the mother — for people enrolled in several years,
// cancelled and enrolled again, cancelled only, newborns through a mother
// enrolled, re-enrolled or cancelled, the deceased, and days outside any
// scheme year.
func TestCoverageOfMatchesAllRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.year(t, 2025, "pan")
		ctx := context.Background()
		enrollAll := func(h registry.Household, year int, paid string, ids ...int64) enroll.Receipt {
			return must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: year, HouseholdID: h.ID, Tier: 1, PaidOn: day(paid), PersonIDs: ids}))(t)
		}
		cancel := func(r enroll.Receipt, ids ...int64) {
			must(w.s.Cancel(w.clerkA, enroll.CancelInput{PaymentID: r.PaymentID, PersonIDs: ids, Reason: "重复参保"}))(t)
		}
		born := func(h registry.Household, mother int64, birth string) int64 {
			return must(w.reg.AddMember(w.clerkA, h.ID, registry.MemberEdit{Event: registry.EvBorn, Date: day(birth),
				PersonInput: registry.PersonInput{Name: "新生儿", Sex: idcard.Female, BirthDate: day(birth), Relation: "女", MotherID: mother}}))(t).ID
		}
		var people []int64
		couple := func() registry.Household {
			h := w.house(t, w.villA, person{"陈强", "户主", "1990-01-01", true, nil}, person{"刘芳", "配偶", "1993-04-04", false, nil})
			for _, m := range h.Members {
				people = append(people, m.ID)
			}
			return h
		}

		// Enrolled in 2025 and 2026; the husband cancelled in 2026 and
		// enrolled again (late, so waiting), the wife cancelled only.
		h1 := couple()
		enrollAll(h1, 2025, "2024-10-01")
		r := enrollAll(h1, 2026, "2025-10-01")
		cancel(r, h1.Members[0].ID)
		cancel(r, h1.Members[1].ID)
		enrollAll(h1, 2026, "2026-02-01", h1.Members[0].ID)
		// A newborn through a mother cancelled and enrolled again; one
		// through a mother cancelled only (h1's wife); one through a mother
		// enrolled once, who later enrolls on her own.
		h2 := couple()
		r = enrollAll(h2, 2026, "2025-10-01")
		cancel(r, h2.Members[1].ID)
		enrollAll(h2, 2026, "2026-01-10", h2.Members[1].ID)
		people = append(people, born(h2, h2.Members[1].ID, "2026-03-01"), born(h1, h1.Members[1].ID, "2026-02-01"))
		h3 := couple()
		enrollAll(h3, 2026, "2025-10-01")
		baby := born(h3, h3.Members[1].ID, "2026-04-01")
		enrollAll(h3, 2026, "2026-05-01", baby)
		// Deceased in 2026; never enrolled.
		h4 := couple()
		enrollAll(h4, 2026, "2025-10-01")
		must(w.reg.ChangeStatus(w.clerkA, h4.Members[1].ID, registry.StatusChange{Kind: registry.EvDeceased, Date: day("2026-04-01")}))(t)
		couple()
		people = append(people, baby)

		reasons := map[enroll.Reason]bool{}
		vias := map[enroll.Via]bool{}
		for _, id := range people {
			for _, on := range []string{"2024-12-31", "2025-06-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-15",
				"2026-05-02", "2026-06-01", "2027-01-01"} {
				got := must(enroll.CoverageOf(ctx, d, id, day(on)))(t)
				want := enroll.Decide(allRowsFacts(t, d, id, day(on)), day(on))
				if got != want {
					t.Errorf("person %d on %s:\n got %+v\nwant %+v", id, on, got, want)
				}
				reasons[got.Reason] = true
				vias[got.Via] = true
			}
		}
		// The cases above reach every answer.
		for _, r := range []enroll.Reason{"", enroll.NotEnrolled, enroll.Waiting, enroll.Cancelled, enroll.Deceased,
			enroll.NotBorn, enroll.NoSchemeYear} {
			if !reasons[r] {
				t.Errorf("no case answers %q", r)
			}
		}
		if !vias[enroll.ViaOwn] || !vias[enroll.ViaMother] {
			t.Errorf("covered ways reached: %v", vias)
		}
		if _, err := enroll.CoverageOf(ctx, d, 1<<40, day("2026-03-01")); err == nil {
			t.Error("unknown person: no error")
		}
	})
}
