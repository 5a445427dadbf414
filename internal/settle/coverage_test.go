package settle_test

import (
	"reflect"
	"testing"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/settle"
)

// TestEnrollCoverageInVisitQuery: under EnrollCoverage a settlement reads
// the coverage facts and the household's size in its visit query; its
// answers and errors are those of the same coverage asked on its own
// (enroll.CoverageOf) and of the household counted on its own — for a
// person covered, waiting, cancelled, not enrolled, a newborn through the
// mother, a person deceased or blocked, and a household-capped scheme.
func TestEnrollCoverageInVisitQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		county.Scheme(t, f.svc, "shandong-s5.yaml") // 2012, outpatient cap 90 a year per household member
		clock := func() time.Time { return time.Date(2013, 6, 1, 2, 0, 0, 0, time.UTC) }
		inQuery := settle.New(d, settle.Options{Coverage: settle.EnrollCoverage, Schemes: f.svc.Schemes(), Now: clock, NoTrace: true})
		apart := settle.New(d, settle.Options{Coverage: settle.CoverageFunc(settle.EnrollCoverage.CoveredOn),
			Schemes: f.svc.Schemes(), Now: clock, NoTrace: true})
		for _, yr := range []string{"2012", "2013"} {
			f.Exec(`INSERT INTO scheme_years (year, period_from, period_to, window_from, window_to, waiting_days, status,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, 90, 'open', ?, ?)`,
				yr, yr+"-01-01", yr+"-12-31", yr+"-01-01", yr+"-12-31", now(), now())
		}
		householdOf := func(p int64) int64 { return int64(f.Count(`SELECT household_id FROM persons WHERE id = ?`, p)) }
		enrol := func(p int64, year, tier int, from, to string, cancelled bool) {
			hh := householdOf(p)
			pay := f.insert(`INSERT INTO contribution_payments (year, household_id, area_path, tier, amount, paid_on, created_at)
				VALUES (?, ?, ?, ?, 3000, ?, ?)`, year, hh, f.path, tier, from, now())
			var at any
			if cancelled {
				at = now()
			}
			f.insert(`INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id, paid_on, cover_from,
				cover_to, created_at, cancelled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				year, p, hh, f.path, tier, pay, from, from, to, now(), at)
		}
		person := func() int64 {
			id := f.Person(f.areaID, f.path, "王", "1")
			f.cover.Cover(id, 1, "2012-01-01", "2013-12-31") // the fixture's own coverage lets every visit open
			return id
		}
		covered, waiting, cancelled, never, deceased, blocked := person(), person(), person(), person(), person(), person()
		enrol(covered, 2013, 2, "2013-01-01", "2013-12-31", false)
		enrol(covered, 2012, 1, "2012-01-01", "2012-12-31", false)
		enrol(waiting, 2013, 1, "2013-06-01", "2013-12-31", false)
		enrol(cancelled, 2013, 1, "2013-01-01", "2013-12-31", true)
		enrol(deceased, 2013, 1, "2013-01-01", "2013-12-31", false)
		enrol(blocked, 2013, 1, "2013-01-01", "2013-12-31", false)
		baby := person()
		f.Exec(`UPDATE persons SET birth_date = '2013-03-01', mother_id = ? WHERE id = ?`, covered, baby)
		// The household of the 2012 visits: four members, one of them moved out.
		head := person()
		for _, status := range []string{"active", "active", "moved_out"} {
			f.insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, status, status_date,
				created_at, updated_at) VALUES (?, ?, '家人', '2', '1990-01-01', '子', ?, '2011-01-01', ?, ?)`,
				householdOf(head), f.path, status, now(), now())
		}
		enrol(head, 2012, 1, "2012-01-01", "2012-12-31", false)

		f.Items(county.Item{Code: "A012", Class: "A", ValidFrom: "2012-01-01"})
		ctx := f.as("township")
		visit := func(p int64, day string) int64 {
			v := county.Must(f.svc.Register(ctx, settle.VisitRequest{PersonID: p, MedType: "11", Begin: civil.MustParse(day)}))(t)
			county.Must(f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: []settle.LineInput{line("1", "A012", "2000.00")}}))(t)
			return v.ID
		}
		visits := map[string]int64{"covered": visit(covered, "2013-05-01"), "waiting": visit(waiting, "2013-05-01"),
			"cancelled": visit(cancelled, "2013-05-01"), "never": visit(never, "2013-05-01"), "baby": visit(baby, "2013-05-01"),
			"deceased": visit(deceased, "2013-05-01"), "blocked": visit(blocked, "2013-05-01"),
			"household": visit(head, "2012-05-01"), "covered 2012": visit(covered, "2012-05-01")}
		f.Exec(`UPDATE persons SET status = 'deceased', status_date = '2013-04-01' WHERE id = ?`, deceased)
		f.insert(`INSERT INTO settle_person_blocks (person_id, reason, created_at) VALUES (?, '稽查', ?)`, blocked, now())

		want := map[string]string{"covered": "", "waiting": "not_covered", "cancelled": "not_covered", "never": "not_covered",
			"baby": "", "deceased": "person_deceased", "blocked": "person_blocked", "household": "", "covered 2012": ""}
		for name, id := range visits {
			got, err := inQuery.PreSettle(ctx, settle.SettleRequest{VisitID: id})
			ref, rerr := apart.PreSettle(ctx, settle.SettleRequest{VisitID: id})
			e, _ := apperr.As(err)
			re, _ := apperr.As(rerr)
			switch {
			case (err == nil) != (rerr == nil) || (err != nil && (e == nil || re == nil || !reflect.DeepEqual(*e, *re))):
				t.Errorf("%s: error %v, asked apart %v", name, err, rerr)
			case err == nil && !reflect.DeepEqual(got, ref):
				t.Errorf("%s: settlement\n%+v\nasked apart\n%+v", name, got, ref)
			case want[name] != "" && (e == nil || e.Code != want[name]):
				t.Errorf("%s: error %v, want %s", name, err, want[name])
			case want[name] == "" && err != nil:
				t.Errorf("%s: %v", name, err)
			}
			if err == nil && name == "household" && got.Result.FundTotal != y("270.00") {
				t.Errorf("household of three active members: fund pays %s, want 270.00 (3 × 90)", got.Result.FundTotal)
			}
			if err == nil && name == "covered" && got.Tier != 2 {
				t.Errorf("covered: tier %d, want 2 (the 2013 enrollment)", got.Tier)
			}
		}
		// The read this saves: the coverage's own (the household's size is
		// counted in the visit query under any coverage).
		reads := func(svc *settle.Service, visit int64) int64 {
			c0 := d.Counts()
			county.Must(svc.PreSettle(ctx, settle.SettleRequest{VisitID: visit}))(t)
			return d.Counts().Sub(c0).Reads
		}
		for name, saved := range map[string]int64{"covered": 1, "household": 1} {
			if got := reads(apart, visits[name]) - reads(inQuery, visits[name]); got != saved {
				t.Errorf("%s: %d reads fewer with the coverage in the visit query, want %d", name, got, saved)
			}
		}
		// The waiting person's message names the day coverage starts.
		_, err := inQuery.PreSettle(ctx, settle.SettleRequest{VisitID: visits["waiting"]})
		if e, ok := apperr.As(err); !ok || e.En != "not covered on 2013-05-01: in the waiting period; covered from 2013-06-01" {
			t.Errorf("waiting: %v", err)
		}
		// And a settlement under EnrollCoverage stores what PreSettle showed.
		if st := county.Must(inQuery.Settle(ctx, settle.SettleRequest{VisitID: visits["household"]}))(t); st.Result.FundTotal != y("270.00") {
			t.Errorf("household settlement: fund pays %s, want 270.00", st.Result.FundTotal)
		}
	})
}
