package enroll_test

import (
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
)

func TestYearAdministration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, err := w.s.CreateYear(w.admin, enroll.YearInput{Year: 2026, WaitingDays: -1})
		wantErr(t, err, apperr.Invalid, "duplicate")
		_, err = w.s.CreateYear(w.admin, enroll.YearInput{Year: 2027, PeriodFrom: day("2026-11-01"), WaitingDays: -1})
		wantErr(t, err, apperr.Invalid, "overlap")
		_, err = w.s.CreateYear(w.admin, enroll.YearInput{Year: 2027, WindowFrom: day("2026-12-01"), WindowTo: day("2026-11-01"), WaitingDays: -1})
		wantErr(t, err, apperr.Invalid, "before_start")
		_, err = w.s.CreateYear(w.clerkA, enroll.YearInput{Year: 2027, WaitingDays: -1})
		wantErr(t, err, apperr.Forbidden, "forbidden")

		y := must(w.s.CreateYear(w.admin, enroll.YearInput{Year: 2027, WaitingDays: 60, Note: "试点"}))(t)
		if y.Status != enroll.Draft || y.WaitingDays != 60 || y.PeriodTo != day("2027-12-31") {
			t.Fatalf("created %+v", y)
		}
		_, err = w.s.SetStatus(w.admin, 2027, enroll.Open)
		wantErr(t, err, apperr.Conflict, "no_standard")
		h := w.house(t, w.villA)
		_, err = w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2027, HouseholdID: h.ID, Tier: 1, PaidOn: day("2026-06-01")})
		wantErr(t, err, apperr.Conflict, "year_not_open")
		_, err = w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2031, HouseholdID: h.ID, Tier: 1})
		wantErr(t, err, apperr.NotFound, "year_not_found")

		// Standards are fixed once people enrolled.
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-10-10"), Method: "wechat"}))(t)
		p, _ := enroll.PresetByKey("s11")
		_, err = w.s.SetStandards(w.admin, 2026, p.Standards, nil)
		wantErr(t, err, apperr.Conflict, "has_enrollments")
		_, err = w.s.UpdateYear(w.admin, enroll.YearInput{Year: 2026, PeriodFrom: day("2026-01-02"), PeriodTo: day("2026-12-31"), WaitingDays: -1})
		wantErr(t, err, apperr.Invalid, "has_enrollments")
		y = must(w.s.UpdateYear(w.admin, enroll.YearInput{Year: 2026, WindowTo: day("2025-12-31"), WaitingDays: 30}))(t)
		if y.WindowTo != day("2025-12-31") || y.WaitingDays != 30 {
			t.Fatalf("updated %+v", y)
		}
		_, err = w.s.SetStatus(w.admin, 2026, enroll.Draft)
		wantErr(t, err, apperr.Conflict, "has_enrollments")
		must(w.s.SetStatus(w.admin, 2026, enroll.Closed))(t)
		h2 := w.house(t, w.villA)
		_, err = w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h2.ID, Tier: 1, PaidOn: day("2025-10-10")})
		wantErr(t, err, apperr.Conflict, "year_not_open")
		_, err = w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h2.ID, Tier: 1, Method: "gold"})
		wantErr(t, err, apperr.Invalid, "bad_method")

		ys := must(w.s.Years(w.clerkA))(t)
		if len(ys) != 2 || ys[0].Year != 2027 || len(ys[1].Standards) != 2 || len(ys[1].Subsidies) != 4 {
			t.Fatalf("years %+v", ys)
		}
		for _, action := range []string{"enroll.year_create", "enroll.standards", "enroll.year_status", "enroll.enroll", "enroll.year_update"} {
			es := must(audit.List(w.admin, d, audit.Filter{Limit: 1000}))(t)
			found := false
			for _, e := range es {
				found = found || e.Action == action
			}
			if !found {
				t.Errorf("no audit row %s", action)
			}
		}
	})
}
