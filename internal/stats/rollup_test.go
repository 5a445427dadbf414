package stats_test

import (
	"encoding/json"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/stats"
)

// TestRollupMatchesDirect: every report × dimension × period gives the
// same table from the rollup (with live rows) as from the settlements
// directly (the reference), for the county and a township, through
// refreshes at report time, late rows for closed days, reversals, claims,
// settlements on both sides of the day boundary, people who move or change
// categories, and a second refresh that finds nothing to do.
func TestRollupMatchesDirect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		var now time.Time
		cst := time.FixedZone("CST", 8*3600)
		set := func(s string) {
			var err error
			if now, err = time.ParseInLocation("2006-01-02 15:04:05", s, cst); err != nil {
				t.Fatal(err)
			}
		}
		roll := stats.NewWith(d, stats.Options{Now: func() time.Time { return now }})
		ref := stats.NewWith(d, stats.Options{Direct: true})
		periods := []stats.Period{stats.Year(2026), stats.Quarter(2026, 2), stats.Month(2026, 3), stats.Month(2026, 5),
			stats.Custom(2026, civil.New(2026, 3, 15), civil.New(2026, 5, 1)),
			stats.Custom(2026, civil.New(2026, 4, 30), civil.New(2026, 5, 2)),
			stats.Custom(2026, civil.New(2026, 12, 20), civil.New(2027, 1, 5))}
		county, town := f.as(access.Finance, ""), f.as(access.Reviewer, "红果镇")
		compare := func(stage string) {
			t.Helper()
			n := 0
			for _, rep := range stats.Reports {
				for _, by := range append([]stats.Dim{stats.ByNone}, stats.Dims...) {
					for _, p := range periods {
						for _, ctx := range []struct {
							name string
							c    any
						}{{"county", county}, {"town", town}} {
							q := stats.Query{Report: rep.Name, Period: p, By: by, ByNone: by == stats.ByNone}
							c := county
							if ctx.name == "town" {
								if p.Kind == "custom" && p.From.Month == 12 {
									continue
								}
								c = town
							}
							want, werr := ref.Table(c, q)
							got, gerr := roll.Table(c, q)
							if (werr == nil) != (gerr == nil) {
								t.Fatalf("%s: %s by %q %s %s: errors differ: %v / %v", stage, rep.Name, by, p.Label(), ctx.name, werr, gerr)
							}
							if werr != nil {
								continue
							}
							wj, _ := json.Marshal(want)
							gj, _ := json.Marshal(got)
							if string(wj) != string(gj) {
								t.Fatalf("%s: %s by %q %s %s:\nrollup %s\ndirect %s", stage, rep.Name, by, p.Label(), ctx.name, gj, wj)
							}
							n++
						}
					}
				}
			}
			t.Logf("%s: %d tables equal", stage, n)
		}
		refreshed := func() stats.RefreshResult {
			t.Helper()
			r, err := roll.Refresh(county)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		// 1. The first report of 2026-05-01 rolls up every day before it;
		// S5 (05-01) is today's, read live; S6 (05-02) and 2027's are future.
		set("2026-05-01 08:00:00")
		compare("first refresh")
		if r := refreshed(); r.Settlements != 0 || r.Closed != civil.New(2026, 5, 1) {
			t.Fatalf("second refresh of the day: %+v", r)
		}
		// 2. Rows written after the refresh: late settlements for closed
		// days (p1 crosses the 10,000 band), a reversal dated a closed
		// day, today's settlement, claims approved on a closed day and today.
		f.settle("p1", "省医院", "inpatient", "21", "21", "2026-03-15", amounts{cost: "9000", inscope: "8000", basic: "4000"}, 0)
		s := f.settle("p4", "县医院", "outpatient", "11", "11", "2026-04-10", amounts{cost: "300", inscope: "300", basic: "100"}, 0)
		f.settle("p4", "县医院", "outpatient", "11", "11", "2026-04-30", amounts{cost: "300", inscope: "300", basic: "100"}, s)
		f.settle("p6", "村卫生室", "outpatient", "11", "11", "2026-05-01", amounts{cost: "20", inscope: "20", basic: "10"}, 0)
		f.claim("p6", "省医院", "approved", "2026-04-20", amounts{cost: "3000", inscope: "2000", basic: "1000"})
		f.claim("p2", "县医院", "paid", "2026-05-01", amounts{cost: "500", inscope: "500", basic: "200"})
		compare("rows after the refresh")
		// 3. The day boundary: at midnight China time 05-01 closes.
		set("2026-05-01 23:59:59")
		f.settle("p5", "县医院", "outpatient", "11", "11", "2026-05-01", amounts{cost: "60", inscope: "60", basic: "30"}, 0)
		compare("last second of the day")
		set("2026-05-02 00:00:00")
		f.settle("p5", "县医院", "outpatient", "11", "11", "2026-05-02", amounts{cost: "70", inscope: "70", basic: "35"}, 0)
		compare("midnight")
		if r := refreshed(); r.Settlements != 0 || r.Closed != civil.New(2026, 5, 2) {
			t.Fatalf("refresh after the report's: %+v", r)
		}
		// 4. People move and change categories after their rows are rolled.
		f.exec(`UPDATE persons SET area_path = ? WHERE id = ?`, f.paths["河边村"], f.persons["p3"])
		f.exec(`UPDATE persons SET categories = 'poor' WHERE id = ?`, f.persons["p2"])
		f.exec(`UPDATE persons SET categories = '' WHERE id = ?`, f.persons["p1"])
		compare("moved")
		f.exec(`UPDATE persons SET area_path = ? WHERE id = ?`, f.paths["红星村"], f.persons["p3"])
		compare("moved back")
		// 5. The year over: everything rolled up, a refresh twice is one.
		set("2027-01-10 12:00:00")
		compare("year closed")
		if r := refreshed(); r.Settlements != 0 {
			t.Fatalf("refresh again: %+v", r)
		}
		compare("refreshed again")
	})
}
