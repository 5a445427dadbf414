package api_test

import (
	"net/http"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// The statistics endpoints answer every report in json, csv and xlsx, the
// drill-down, and refuse an unknown report or a bad period with 4xx.
func TestStatsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tok := e.adminToken()
		var list struct {
			Reports    []struct{ Name string }
			Indicators []struct{ Key, Definition string }
		}
		if st := e.call("GET", "/api/v1/stats", tok, "", &list); st != http.StatusOK || len(list.Reports) < 5 || len(list.Indicators) < 30 {
			t.Fatalf("list: %d %+v", st, list)
		}
		var tab struct {
			Title, Period string
			Rows          []struct{ Key string }
			Total         *struct{ Name string }
		}
		if st := e.call("GET", "/api/v1/stats/compensation?year=2026&quarter=2&by=level", tok, "", &tab); st != http.StatusOK ||
			tab.Period != "2026年第2季度" || tab.Total == nil || tab.Total.Name != "合计" {
			t.Fatalf("compensation: %d %+v", st, tab)
		}
		for _, f := range []string{"csv", "xlsx"} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/stats/summary?year=2026&format="+f, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s: %v %v", f, res.StatusCode, err)
			}
			res.Body.Close()
		}
		var recs struct{ Total int64 }
		if st := e.call("GET", "/api/v1/stats/records?year=2026&month=3", tok, "", &recs); st != http.StatusOK || recs.Total != 0 {
			t.Fatalf("records: %d %+v", st, recs)
		}
		for _, p := range []string{"/api/v1/stats/nosuch?year=2026", "/api/v1/stats/summary?year=x", "/api/v1/stats/summary?year=2026&month=13",
			"/api/v1/stats/participation?year=2026&by=kind"} {
			if st := e.call("GET", p, tok, "", nil); st < 400 || st >= 500 {
				t.Errorf("%s: %d, want 4xx", p, st)
			}
		}
	})
}
