package enroll_test

import (
	"fmt"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/registry"
)

// facts builds CoverFacts for 2026 (period 1 Jan – 31 Dec).
func facts(birth string, own ...enroll.CoverRow) enroll.CoverFacts {
	return enroll.CoverFacts{PersonID: 9, BirthDate: day(birth), Status: registry.Active, Year: 2026,
		PeriodFrom: day("2026-01-01"), PeriodTo: day("2026-12-31"), Own: own}
}

func row(id int64, tier int, from string, cancelled bool) enroll.CoverRow {
	return enroll.CoverRow{ID: id, Year: 2026, Tier: tier, From: day(from), To: day("2026-12-31"), Cancelled: cancelled}
}

func TestDecide(t *testing.T) {
	withMother := func(f enroll.CoverFacts, rows ...enroll.CoverRow) enroll.CoverFacts {
		f.MotherID, f.Mother = 5, rows
		return f
	}
	status := func(f enroll.CoverFacts, s registry.Status, on string) enroll.CoverFacts {
		f.Status, f.StatusDate = s, day(on)
		return f
	}
	noYear := facts("1980-01-01")
	noYear.Year = 0
	cases := []struct {
		name    string
		f       enroll.CoverFacts
		on      string
		covered bool
		reason  enroll.Reason
		tier    int
		via     enroll.Via
		from    string
	}{
		{"own, covered", facts("1980-01-01", row(1, 2, "2026-01-01", false)), "2026-06-01", true, "", 2, enroll.ViaOwn, "2026-01-01"},
		{"own, first day", facts("1980-01-01", row(1, 1, "2026-05-11", false)), "2026-05-11", true, "", 1, enroll.ViaOwn, "2026-05-11"},
		{"own, last day", facts("1980-01-01", row(1, 1, "2026-01-01", false)), "2026-12-31", true, "", 1, enroll.ViaOwn, "2026-01-01"},
		{"own, waiting", facts("1980-01-01", row(1, 1, "2026-05-11", false)), "2026-05-10", false, enroll.Waiting, 1, "", "2026-05-11"},
		{"not enrolled", facts("1980-01-01"), "2026-06-01", false, enroll.NotEnrolled, 0, "", ""},
		{"cancelled", facts("1980-01-01", row(1, 1, "2026-01-01", true)), "2026-06-01", false, enroll.Cancelled, 0, "", ""},
		{"cancelled then re-enrolled", facts("1980-01-01", row(1, 1, "2026-01-01", true), row(2, 2, "2026-01-01", false)), "2026-06-01", true, "", 2, enroll.ViaOwn, "2026-01-01"},
		{"no scheme year", noYear, "2030-01-01", false, enroll.NoSchemeYear, 0, "", ""},
		{"not born", facts("2026-03-01", row(1, 1, "2026-01-01", false)), "2026-02-28", false, enroll.NotBorn, 0, "", ""},
		{"deceased before", status(facts("1940-01-01", row(1, 1, "2026-01-01", false)), registry.Deceased, "2026-04-01"), "2026-04-02", false, enroll.Deceased, 0, "", ""},
		{"deceased that day", status(facts("1940-01-01", row(1, 1, "2026-01-01", false)), registry.Deceased, "2026-04-01"), "2026-04-01", true, "", 1, enroll.ViaOwn, "2026-01-01"},
		{"moved out before", status(facts("1980-01-01", row(1, 1, "2026-01-01", false)), registry.MovedOut, "2026-04-01"), "2026-05-01", false, enroll.MovedOut, 0, "", ""},
		{"moved out later", status(facts("1980-01-01", row(1, 1, "2026-01-01", false)), registry.MovedOut, "2026-04-01"), "2026-03-01", true, "", 1, enroll.ViaOwn, "2026-01-01"},
		{"newborn via mother", withMother(facts("2026-03-01"), row(7, 2, "2026-01-01", false)), "2026-03-01", true, "", 2, enroll.ViaMother, "2026-03-01"},
		{"newborn, mother waiting", withMother(facts("2026-03-01"), row(7, 1, "2026-05-11", false)), "2026-04-01", false, enroll.Waiting, 1, "", "2026-05-11"},
		{"newborn, mother's wait over", withMother(facts("2026-03-01"), row(7, 1, "2026-05-11", false)), "2026-05-11", true, "", 1, enroll.ViaMother, "2026-05-11"},
		{"newborn, mother cancelled", withMother(facts("2026-03-01"), row(7, 1, "2026-01-01", true)), "2026-04-01", false, enroll.NotEnrolled, 0, "", ""},
		{"newborn, mother not enrolled", withMother(facts("2026-03-01")), "2026-04-01", false, enroll.NotEnrolled, 0, "", ""},
		{"born before period", withMother(facts("2025-12-30"), row(7, 1, "2026-01-01", false)), "2026-04-01", false, enroll.NotEnrolled, 0, "", ""},
		{"own beats mother", withMother(facts("2026-03-01", row(1, 1, "2026-03-01", false)), row(7, 2, "2026-01-01", false)), "2026-04-01", true, "", 1, enroll.ViaOwn, "2026-03-01"},
		{"own waiting, mother covers", withMother(facts("2026-03-01", row(1, 1, "2026-06-01", false)), row(7, 2, "2026-01-01", false)), "2026-04-01", true, "", 2, enroll.ViaMother, "2026-03-01"},
		{"own cancelled, mother covers", withMother(facts("2026-03-01", row(1, 1, "2026-03-01", true)), row(7, 2, "2026-01-01", false)), "2026-04-01", true, "", 2, enroll.ViaMother, "2026-03-01"},
		{"deceased newborn", status(withMother(facts("2026-03-01"), row(7, 2, "2026-01-01", false)), registry.Deceased, "2026-03-10"), "2026-03-11", false, enroll.Deceased, 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := enroll.Decide(c.f, day(c.on))
			if got.Covered != c.covered || got.Reason != c.reason || got.Tier != c.tier || got.Via != c.via {
				t.Fatalf("got %+v", got)
			}
			if c.from != "" && got.From != day(c.from) {
				t.Fatalf("from %s, want %s", got.From, c.from)
			}
			if got.ZhMessage == "" || got.EnMessage == "" {
				t.Fatal("no message")
			}
			if got.Reason == enroll.Waiting && got.Since != got.From {
				t.Fatalf("waiting since %s, from %s", got.Since, got.From)
			}
		})
	}
}

// Every day of the year, for every combination of own and mother rows:
// coverage is exactly "some uncancelled row covers the day".
func TestDecideExhaustive(t *testing.T) {
	starts := []string{"", "2026-01-01", "2026-05-11", "2026-12-31"}
	births := []string{"1980-06-06", "2026-03-01"}
	for _, birth := range births {
		for _, own := range starts {
			for _, ownCancelled := range []bool{false, true} {
				for _, mom := range starts {
					f := facts(birth)
					f.MotherID = 5
					if own != "" {
						f.Own = []enroll.CoverRow{row(1, 1, own, ownCancelled)}
					}
					if mom != "" {
						f.Mother = []enroll.CoverRow{row(2, 2, mom, false)}
					}
					for dd := day("2026-01-01"); !dd.After(day("2026-12-31")); dd = dd.AddDays(1) {
						checkOneDay(t, f, dd, fmt.Sprintf("birth %s own %q/%v mother %q", birth, own, ownCancelled, mom))
					}
				}
			}
		}
	}
}

func checkOneDay(t *testing.T, f enroll.CoverFacts, dd civil.Date, label string) {
	t.Helper()
	born := !dd.Before(f.BirthDate)
	ownCovers := len(f.Own) == 1 && !f.Own[0].Cancelled && !dd.Before(f.Own[0].From)
	newborn := f.BirthDate.Within(f.PeriodFrom, f.PeriodTo)
	momCovers := len(f.Mother) == 1 && newborn && !dd.Before(f.Mother[0].From)
	want := born && (ownCovers || momCovers)
	got := enroll.Decide(f, dd)
	if got.Covered != want {
		t.Fatalf("%s on %s: covered %v, want %v (%+v)", label, dd, got.Covered, want, got)
	}
	if got.Covered && ownCovers && got.Via != enroll.ViaOwn {
		t.Fatalf("%s on %s: via %s, want own", label, dd, got.Via)
	}
}
