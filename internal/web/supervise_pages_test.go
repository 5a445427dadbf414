package web

import (
	"net/url"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestSupervisionPages: an inspector sees every supervision page, draws a
// sample, adds and lifts a blacklist entry and gets a refused action shown
// on the page; an enrollment clerk is refused; the administrator saves
// the rule configuration.
func TestSupervisionPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestApp(t, d)
		app.addUser(t, "ivan", access.Inspector, app.county)
		app.addUser(t, "eve", access.Enrollment, app.county)
		ivan := app.client(t).login("ivan", "user-pass-1")
		for _, p := range []string{"/supervision", "/supervision/indicators?period=2024-03", "/supervision/samples",
			"/supervision/blacklist", "/supervision/config?year=2024"} {
			if r := ivan.get(p); r.Status != 200 {
				t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
			}
		}
		if r := ivan.get("/"); !strings.Contains(r.Body, `href="/supervision"`) {
			t.Error("no nav entry for supervision")
		}
		r := ivan.post("/supervision/samples", url.Values{"kind": {"spot_realtime"}, "period": {"2024-03"}, "seed": {"77"}})
		if r.Status != 303 {
			t.Fatalf("draw: %d %s", r.Status, r.Body)
		}
		if s := ivan.get(r.Location); s.Status != 200 || !strings.Contains(s.Body, `id="reproduced"`) || !strings.Contains(s.Body, "77") {
			t.Errorf("work list: %d", s.Status)
		}
		r = ivan.post("/supervision/samples", url.Values{"kind": {"spot_realtime"}, "period": {"2024-03"}})
		if r.Status != 409 || !strings.Contains(r.Body, "该月已抽样") {
			t.Errorf("second draw: %d", r.Status)
		}
		r = ivan.post("/supervision/blacklist", url.Values{"subject": {"institution"}, "effect": {"block"}, "reason": {"x"}})
		if r.Status != 422 || !strings.Contains(r.Body, "请选择医疗机构") {
			t.Errorf("bad entry: %d", r.Status)
		}
		r = ivan.post("/supervision/runs", url.Values{"from": {"2024-03-01"}, "to": {"2024-03-31"}})
		if r.Status != 303 {
			t.Errorf("run: %d %s", r.Status, r.Body)
		}
		if r := ivan.post("/supervision/config", url.Values{"year": {"2024"}, "params": {"{}"}}); r.Status != 403 {
			t.Errorf("inspector saved the configuration: %d", r.Status)
		}
		admin := app.client(t).login("admin", testAdminPW)
		cfg := admin.get("/supervision/config?year=2024")
		i := strings.Index(cfg.Body, `name="params"`)
		if i < 0 {
			t.Fatal("no params field")
		}
		r = admin.post("/supervision/config", url.Values{"year": {"2024"}, "on_class_c_consent": {"on"}, "block_class_c_consent": {"on"},
			"params": {`{"readmit_days": 10}`}})
		if r.Status != 303 {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		if c := admin.get("/supervision/config?year=2024"); !strings.Contains(c.Body, `readmit_days&#34;: 10,`) {
			t.Error("configuration not saved")
		}
		eve := app.client(t).login("eve", "user-pass-1")
		if r := eve.get("/supervision"); r.Status != 403 {
			t.Errorf("enrollment clerk: %d", r.Status)
		}
	})
}
