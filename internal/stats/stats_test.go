package stats_test

import (
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/stats"
)

// The small county of small() (helpers_test.go), by hand:
//
//	红果镇/红星村: p1 (registered poor), p2, p3, p4 in households h1 (p1, p2), h2 (p3, p4)
//	两河乡/河边村: p5, p6, p7 (died 2025-06-01: not eligible in 2026) in h3
//	enrolled 2026: p1 p2 p3 p5 p6 → 5 of 6 eligible = 83.33%; households 3 of 3
//	institutions: 村卫生室 (village, in county), 县医院 (county, in county), 省医院 (province, out)
//
//	2026 visits                          cost     basic   fund (all layers)
//	S1 p1 村卫生室 outpatient 03-10        100.00     60.00       60.00
//	S2 p1 县医院 inpatient 03-20        10,000.00  5,000.00    6,500.00 (+assist 1,000, other 500)
//	S3 p3 省医院 inpatient referred 04-05 40,000.00 12,000.00  15,000.00 (+catastrophic 3,000)
//	S4 p5 村卫生室 outpatient 04-06         50.00      0.00        0.00 (not benefited)
//	S5 p2 村卫生室 outpatient 05-01         80.00     40.00       40.00
//	S6 reversal of S5 05-02               −80.00    −40.00      −40.00
//	C1 p5 claim 省医院 approved 06-10   20,000.00  6,000.00    6,000.00
//	(rejected claim of p6, 2025 and 2027 settlements: outside)
//
//	visits 1+1+1+1+1−1+1 = 5; benefited 1+1+1+0+1−1+1 = 4; outpatient 2; admissions 3; referred 1
//	cost 70,150.00; basic 23,060.00; compensation 27,560.00; in-county visits 3, fund 6,560.00
func TestIndicatorsOnHandComputedCounty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		s := stats.New(d)
		tab, err := s.Table(f.as(access.Finance, ""), stats.Query{Report: "summary", Period: stats.Year(2026)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]stats.Row{}
		for _, r := range tab.Rows {
			got[r.Key] = r
		}
		want := map[string]string{
			"enrollees": "5", "eligible": "6", "participation_rate": "83.33%", "enrolled_households": "3", "household_rate": "100.00%",
			"visits": "5", "benefited": "4", "benefit_rate": "80.00%", "outpatient": "2", "admissions": "3",
			"visits_per_person": "1.00", "hospitalization_rate": "60.00%",
			"cost": "70150.00", "in_scope": "53150.00", "basic": "23060.00", "catastrophic": "3000.00", "assistance": "1000.00",
			"other": "500.00", "compensation": "27560.00", "outpatient_compensation": "60.00", "inpatient_compensation": "27500.00",
			"outpatient_share": "0.22%", "inpatient_share": "99.78%",
			"actual_ratio":           "32.87%", // 23,060 ÷ 70,150 = 0.328724
			"inpatient_actual_ratio": "32.86%", // 23,000 ÷ 70,000 = 0.328571
			"guarantee":              "39.29%", // 27,560 ÷ 70,150 = 0.392872
			"poor_guarantee":         "64.95%", // p1: 6,560 ÷ 10,100 = 0.649505
			"per_capita":             "5512.00", "per_visit": "5512.00",
			"avg_visit_cost":       "75.00",                                // (100 + 50 + 80 − 80) ÷ 2
			"avg_stay_cost":        "23333.33",                             // 70,000 ÷ 3
			"referral_share":       "33.33%",                               // 1 ÷ 3
			"in_county_share":      "60.00%",                               // 3 ÷ 5
			"in_county_fund_share": "23.80%",                               // 6,560 ÷ 27,560 = 0.238026
			"high_10_30":           "1", "high_30_50": "0", "high_50": "0", // p3 15,000; p1 6,560; p5 6,000
			"raised": "0.00", "utilization": "—", // no fund raised in the ledger: undefined, not 0
		}
		for k, v := range want {
			r, ok := got[k]
			if !ok {
				t.Errorf("no row %s", k)
				continue
			}
			if r.Cells[0].String() != v {
				t.Errorf("%s (%s) = %s, want %s", k, r.Name, r.Cells[0], v)
			}
		}
		// Same period last year: S0 of p1, 2,000.00 basic; nobody enrolled in 2025.
		if c := got["compensation"]; c.Cells[1].String() != "2000.00" || c.Cells[2].String() != "1278.00%" {
			t.Errorf("compensation last year %s change %s, want 2000.00 and (27,560 − 2,000) ÷ 2,000 = 1278.00%%", c.Cells[1], c.Cells[2])
		}
		if b := got["benefit_rate"]; b.Cells[1].String() != "—" || b.Cells[2].String() != "—" {
			t.Errorf("benefit rate last year %s change %s: no enrollees in 2025, so undefined", b.Cells[1], b.Cells[2])
		}
	})
}

func TestTablesByDimension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		s := stats.New(d)
		ctx := f.as(access.Director, "")
		cases := []struct {
			report string
			by     stats.Dim
			col    string
			want   map[string]string // row name → value of col
		}{
			{"compensation", stats.ByTownship, "compensation", map[string]string{"红果镇": "21560.00", "两河乡": "6000.00", "合计": "27560.00"}},
			{"compensation", stats.ByTownship, "visits", map[string]string{"红果镇": "3", "两河乡": "2", "合计": "5"}},
			{"compensation", stats.ByTownship, "compensation_change", map[string]string{"红果镇": "978.00%", "两河乡": "—"}},
			{"compensation", stats.ByLevel, "compensation", map[string]string{"村级": "60.00", "县级": "6500.00", "省级": "21000.00"}},
			{"compensation", stats.ByLevel, "visits", map[string]string{"村级": "2", "县级": "1", "省级": "2"}},
			{"compensation", stats.ByLevel, "fund_share", map[string]string{"省级": "76.20%"}}, // 21,000 ÷ 27,560
			{"compensation", stats.ByInstitution, "cost", map[string]string{"村卫生室": "150.00", "县医院": "10000.00", "省医院": "60000.00"}},
			{"compensation", stats.ByKind, "visits", map[string]string{"普通门诊": "2", "住院": "3"}},
			{"participation", stats.ByVillage, "participation_rate", map[string]string{"红星村": "75.00%", "河边村": "100.00%", "合计": "83.33%"}},
			{"participation", stats.ByTownship, "benefit_rate", map[string]string{"红果镇": "100.00%", "两河乡": "50.00%"}},
			{"participation", stats.ByTownship, "high_10_30", map[string]string{"红果镇": "1", "两河乡": "0"}},
			{"monthly", stats.ByMonth, "visits", map[string]string{"2026-03": "2", "2026-04": "2", "2026-05": "0", "2026-06": "1", "2026-12": "0"}},
			{"monthly", stats.ByMonth, "compensation_last_year", map[string]string{"2026-03": "2000.00"}},
			{"service", stats.ByLevel, "avg_stay_cost", map[string]string{"省级": "30000.00", "县级": "10000.00"}},
			{"service", stats.ByLevel, "referral_share", map[string]string{"省级": "50.00%"}},
		}
		for _, c := range cases {
			tab, err := s.Table(ctx, stats.Query{Report: c.report, Period: stats.Year(2026), By: c.by})
			if err != nil {
				t.Fatal(c.report, err)
			}
			col := -1
			for i, k := range tab.Columns {
				if k.Key == c.col {
					col = i - 1
				}
			}
			if col < 0 {
				t.Fatalf("%s: no column %s", c.report, c.col)
			}
			rows := append(tab.Rows, *tab.Total)
			for name, v := range c.want {
				found := false
				for _, r := range rows {
					if r.Name == name {
						found = true
						if r.Cells[col].String() != v {
							t.Errorf("%s by %s: %s %s = %s, want %s", c.report, c.by, name, c.col, r.Cells[col], v)
						}
					}
				}
				if !found {
					t.Errorf("%s by %s: no row %s", c.report, c.by, name)
				}
			}
		}
		if _, err := s.Table(ctx, stats.Query{Report: "participation", Period: stats.Year(2026), By: stats.ByInstitution}); err == nil {
			t.Error("participation by institution should be refused (no enrollees per institution)")
		}
	})
}

// A township user sees its township: only its patients, one township row,
// and no county fund figures.
func TestTownshipScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		s := stats.New(d)
		ctx := f.as(access.Enrollment, "两河乡")
		tab, err := s.Table(ctx, stats.Query{Report: "compensation", Period: stats.Year(2026)})
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Rows) != 1 || tab.Rows[0].Name != "两河乡" || tab.Total.Cells[0].String() != "2" || tab.Scope != "两河乡" {
			t.Fatalf("township view: %+v total %+v", tab.Rows, tab.Total)
		}
		sum, err := s.Table(ctx, stats.Query{Report: "summary", Period: stats.Year(2026)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sum.Rows {
			if (r.Key == "raised" || r.Key == "utilization") && r.Cells[0].Known {
				t.Errorf("township user sees county fund figure %s = %s", r.Key, r.Cells[0])
			}
			if r.Key == "enrollees" && r.Cells[0].String() != "2" {
				t.Errorf("township enrollees %s, want 2", r.Cells[0])
			}
		}
		recs, n, err := s.Records(ctx, stats.Drill{Period: stats.Year(2026)})
		if err != nil || n != 2 || len(recs) != 2 {
			t.Fatalf("township drill-down: %d %v %v", n, recs, err)
		}
		// A township user asking for the other township's cell gets nothing.
		_, n, err = s.Records(ctx, stats.Drill{Period: stats.Year(2026), By: stats.ByTownship, Key: f.paths["红果镇"]})
		if err != nil || n != 0 {
			t.Errorf("other township's records: %d %v", n, err)
		}
		if _, err := s.Table(f.as(access.Institution, ""), stats.Query{Report: "summary", Period: stats.Year(2026)}); err == nil {
			t.Error("an institution clerk should not read statistics")
		}
	})
}

// Drill-down: the records behind a cell add up to the cell.
func TestDrillDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		s := stats.New(d)
		ctx := f.as(access.Finance, "")
		recs, n, err := s.Records(ctx, stats.Drill{Period: stats.Year(2026), By: stats.ByLevel, Key: "village"})
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 || len(recs) != 4 {
			t.Fatalf("village clinic records: %d %+v", n, recs)
		}
		var fund int64
		rev := 0
		for _, r := range recs {
			fund += int64(r.Fund)
			if r.Reversal {
				rev++
			}
			if r.Person != "张*明" && len([]rune(r.Person)) != 4 {
				t.Errorf("person not masked: %q", r.Person)
			}
		}
		if fund != 6000 || rev != 1 {
			t.Errorf("village clinic records: fund %d fen (want 60.00), reversals %d", fund, rev)
		}
		recs, n, err = s.Records(ctx, stats.Drill{Period: stats.Month(2026, 6), By: stats.ByKind, Key: "inpatient"})
		if err != nil || n != 1 || recs[0].Source != "claim" || recs[0].Fund.String() != "6000.00" {
			t.Fatalf("June inpatient: %d %+v %v", n, recs, err)
		}
	})
}
