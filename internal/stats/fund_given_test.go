package stats_test

import (
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/stats"
)

// TestTableOnGivenFund: a county-wide table shows the fund position the
// caller passes (the dashboard's fund report) instead of computing it:
// raised 100,000.00, usable 95,000.00; utilization = compensation
// 27,560.00 ÷ 95,000.00 = 29.01%.
func TestTableOnGivenFund(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := small(t, d)
		s := stats.New(d)
		given := &stats.Fund{Known: true, Raised: 10000000, Received: 9000000, Reserve: 500000, Usable: 9500000, MonthlyPlan: 791667}
		tab, err := s.Table(f.as(access.Finance, ""), stats.Query{Report: "summary", Period: stats.Year(2026), Fund: given})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range tab.Rows {
			got[r.Key] = r.Cells[0].String()
		}
		for k, v := range map[string]string{"raised": "100000.00", "usable": "95000.00", "utilization": "29.01%",
			"arrival_rate": "90.00%", "compensation": "27560.00"} {
			if got[k] != v {
				t.Errorf("%s = %s, want %s", k, got[k], v)
			}
		}
	})
}
