package web

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

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

// TestSupervisionCaseListSort: the case list sorts by a displayed column
// both ways (page, aria-sort, Excel); an unknown or unsortable column is
// ignored (newest first); the status filter still applies; after a refused
// run the sort links point at the list.
func TestSupervisionCaseListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestApp(t, d)
		app.addUser(t, "ivan", access.Inspector, app.county)
		ivan := app.client(t).login("ivan", "user-pass-1")
		ctx := context.Background()
		ids := map[string]string{}
		for _, c := range []struct {
			key, rule, status string
			amount            int64
			day               int
		}{{"k1", "indicator", "open", 500, 2}, {"k2", "blacklist_review", "investigating", 100, 3}, {"k3", "indicator", "assigned", 300, 1}, {"k4", "indicator", "closed", 900, 4}} {
			at := db.Timestamp(time.Date(2024, 3, c.day, 9, 0, 0, 0, time.UTC))
			if _, err := d.ExecContext(ctx, `INSERT INTO supervise_cases (rule, case_key, source, summary_zh, summary_en, amount, status, opened_at, opened_by)
				VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, 'ivan')`, c.rule, c.key, "案件"+c.key, "case "+c.key, c.amount, c.status, at); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := d.QueryRowContext(ctx, `SELECT id FROM supervise_cases WHERE case_key = ?`, c.key).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids[c.key] = strconv.FormatInt(id, 10)
		}
		order := func(keys ...string) string {
			var out []string
			for _, k := range keys {
				out = append(out, ids[k])
			}
			return strings.Join(out, ",")
		}
		rowRE := regexp.MustCompile(`<tr data-id="(\d+)"`)
		rows := func(body string) string {
			var out []string
			for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return strings.Join(out, ",")
		}
		newest := order("k3", "k2", "k1")
		for _, tc := range []struct{ query, want, aria string }{
			{"", newest, ""},
			{"?sort=amount", order("k2", "k3", "k1"), `aria-sort="ascending"><a class="sort sort-ascending" href="/supervision?dir=desc&amp;sort=amount"`},
			{"?sort=amount&dir=desc", order("k1", "k3", "k2"), `aria-sort="descending"><a class="sort sort-descending" href="/supervision?sort=amount"`},
			{"?sort=opened", order("k3", "k1", "k2"), `aria-sort="ascending"`},
			{"?sort=opened&dir=desc", order("k2", "k1", "k3"), `aria-sort="descending"`},
			{"?sort=status", order("k1", "k3", "k2"), `aria-sort="ascending"`},
			{"?sort=amount&dir=desc&status=", order("k4", "k1", "k3", "k2"), `aria-sort="descending"><a class="sort sort-descending" href="/supervision?sort=amount&amp;status="`},
			{"?sort=amount&rule=indicator", order("k3", "k1"), `aria-sort="ascending"`},
			{"?sort=summary&dir=desc", newest, ""}, // shown, not sortable
			{"?sort=amount%29%3B+DROP+TABLE+supervise_cases&dir=desc", newest, ""},
		} {
			r := ivan.get("/supervision" + tc.query)
			if r.Status != 200 || rows(r.Body) != tc.want {
				t.Errorf("%s: %d, rows %s, want %s", tc.query, r.Status, rows(r.Body), tc.want)
			}
			if tc.aria == "" && (strings.Contains(r.Body, `aria-sort="ascending"`) || strings.Contains(r.Body, `aria-sort="descending"`)) {
				t.Errorf("%s: a column marked sorted", tc.query)
			} else if tc.aria != "" && !strings.Contains(r.Body, tc.aria) {
				t.Errorf("%s: header lacks %s", tc.query, tc.aria)
			}
		}
		if n := countRows(t, d, "supervise_cases"); n != 4 {
			t.Fatalf("%d cases", n)
		}
		r := ivan.get("/supervision?sort=amount&dir=desc&format=xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		xr, _ := x.GetRows(x.GetSheetList()[0])
		if len(xr) != 4 || xr[1][0] != ids["k1"] || xr[2][0] != ids["k3"] || xr[3][0] != ids["k2"] || xr[1][3] != "案件k1" {
			t.Fatalf("export rows = %v", xr)
		}
		// A refused run shows the list; its links are the list's, not the form's.
		r = ivan.post("/supervision/runs", url.Values{"from": {"x"}, "to": {"y"}})
		if r.Status != 422 || rows(r.Body) != newest || strings.Contains(r.Body, "/supervision/runs?") || !strings.Contains(r.Body, `href="/supervision?sort=amount"`) {
			t.Errorf("refused run: %d, rows %s", r.Status, rows(r.Body))
		}
	})
}
