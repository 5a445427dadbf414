package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/notice"
	"ncms/internal/notice/noticetest"
)

var (
	fullIDPattern = regexp.MustCompile(`\d{17}[\dXx]`)
	phonePattern  = regexp.MustCompile(`1[3-9]\d{9}`)
)

// personalData returns every full ID number, 11-digit phone number or
// seeded diagnosis found in s.
func personalData(s string) []string {
	out := fullIDPattern.FindAllString(s, -1)
	out = append(out, phonePattern.FindAllString(s, -1)...)
	for _, d := range noticetest.Diagnoses {
		if strings.Contains(s, d) {
			out = append(out, d)
		}
	}
	return out
}

// xlsxText returns every cell of every sheet of an .xlsx body.
func xlsxText(t *testing.T, body string) string {
	t.Helper()
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer x.Close()
	var b strings.Builder
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

// publishAll generates, reviews and publishes January 2026's notices and
// the fund notice, shown from today for 7 days.
func publishAll(t *testing.T, d *db.DB, c noticetest.County) []notice.Notice {
	t.Helper()
	path := "/" + itoa64(c.County) + "/"
	ctx := func(u string, r access.Role) context.Context {
		return access.WithActor(context.Background(), access.Actor{Username: u, Role: r, Scope: access.Scope{AreaPath: path}})
	}
	s := notice.New(d, nil)
	ns, err := s.GenerateMonth(ctx("fiona", access.Finance), "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	fn, err := s.GenerateFund(ctx("fiona", access.Finance), "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	ns = append(ns, fn)
	today := civil.Of(time.Now().In(notice.China))
	for _, n := range ns {
		if _, err := s.Review(ctx("ivan", access.Inspector), n.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx("dora", access.Director), n.ID, today, today.AddDays(6)); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// TestNoOutputLeaksPersonalData renders every notice output — public page,
// print page, Excel, the console's page, print and Excel, the outbox page —
// and the self-service lookup, on a county whose people have full ID
// numbers, phone numbers and diagnoses in the database, and finds none of
// them in any output.
func TestNoOutputLeaksPersonalData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestApp(t, d)
		c := noticetest.Seed(t, d)
		ns := publishAll(t, d, c)
		if _, err := notice.New(d, nil).SweepCompensation(context.Background()); err != nil {
			t.Fatal(err)
		}
		anon := app.client(t)
		check := func(what, body string) {
			t.Helper()
			if l := personalData(body); len(l) > 0 {
				t.Errorf("%s shows personal data %v", what, l)
			}
		}
		r := anon.get("/public/notices")
		if r.Status != http.StatusOK || strings.Count(r.Body, `href="/public/notices/`) != len(ns) {
			t.Fatalf("public board: %d\n%s", r.Status, r.Body)
		}
		check("board", r.Body)
		r = anon.get("/public/notices?area=" + itoa64(c.Village2))
		if strings.Count(r.Body, `href="/public/notices/`) != 4 { // county, fund, township 2, village 2
			t.Errorf("board of village 2 lists %d notices", strings.Count(r.Body, `href="/public/notices/`))
		}
		admin := app.client(t).login("admin", testAdminPW)
		for _, n := range ns {
			id := itoa64(n.ID)
			for _, who := range []struct {
				cl   *client
				base string
			}{{anon, "/public/notices/"}, {admin, "/notices/"}} {
				for _, suffix := range []string{"", "/print"} {
					r := who.cl.get(who.base + id + suffix)
					if r.Status != http.StatusOK || !strings.Contains(r.Body, n.Title) {
						t.Fatalf("%s%s%s: %d", who.base, id, suffix, r.Status)
					}
					check(who.base+id+suffix, r.Body)
				}
				r := who.cl.get(who.base + id + "/xlsx")
				if r.Status != http.StatusOK {
					t.Fatalf("%s%s/xlsx: %d", who.base, id, r.Status)
				}
				text := xlsxText(t, r.Body)
				check(who.base+id+"/xlsx", text)
				if n.Kind == notice.Compensation && !strings.Contains(text, "张*明") && n.AreaID != c.Township2 && n.AreaID != c.Village2 {
					t.Errorf("%s xlsx has no masked row:\n%s", id, text)
				}
			}
		}
		for _, p := range []string{"/notices?period=2026-01", "/outbox"} {
			r := admin.get(p)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", p, r.Status)
			}
			check(p, r.Body)
		}
		if r := admin.get("/outbox"); !strings.Contains(r.Body, "138****5678") {
			t.Error("outbox page does not show the masked recipient")
		}
		// Self-service: the page and the answer, found and not found.
		r = anon.get("/public/lookup")
		check("lookup form", r.Body)
		p := c.People[0]
		r = anon.post("/public/lookup", url.Values{"id_number": {p.IDNumber}, "name": {p.Name}})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "5202**********123X") || !strings.Contains(r.Body, "8641.50") {
			t.Fatalf("lookup: %d\n%s", r.Status, r.Body)
		}
		check("lookup answer", r.Body)
		r = anon.post("/public/lookup", url.Values{"id_number": {p.IDNumber}, "name": {"张三"}})
		if r.Status != http.StatusNotFound || strings.Contains(r.Body, "lookup-result") {
			t.Errorf("wrong name: %d", r.Status)
		}
		check("lookup refusal", r.Body)
		// Console pages are not public.
		if r := anon.get("/notices"); r.Status != http.StatusSeeOther {
			t.Errorf("anonymous /notices: %d", r.Status)
		}
	})
}

// The lookup is refused (429) after 5 tries for one ID number, and after
// 20 tries from one address whatever the number.
func TestLookupRateLimited(t *testing.T) {
	d := dbtest.SQLite(t)
	app := newTestApp(t, d)
	c := noticetest.Seed(t, d)
	anon := app.client(t)
	anon.get("/public/lookup")
	p := c.People[3]
	for i := 1; i <= 6; i++ {
		r := anon.post("/public/lookup", url.Values{"id_number": {p.IDNumber}, "name": {p.Name}})
		want := http.StatusOK
		if i == 6 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Fatalf("try %d for one ID: %d, want %d", i, r.Status, want)
		}
	}
	for i := 7; i <= 21; i++ {
		r := anon.post("/public/lookup", url.Values{"id_number": {"52022219900101" + itoa64(int64(1000+i))}, "name": {"某某"}})
		want := http.StatusNotFound
		if i == 21 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Fatalf("try %d from one address: %d, want %d", i, r.Status, want)
		}
	}
	// A lookup without the form's token is refused: the form cannot be posted from elsewhere.
	req, _ := http.NewRequest(http.MethodPost, app.srv.URL+"/public/lookup", strings.NewReader("id_number=1&name=2"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := app.client(t).do(req); r.Status != http.StatusForbidden {
		t.Errorf("lookup without CSRF token: %d", r.Status)
	}
}

// Notices are reviewed and published from the console by different people.
func TestNoticeConsoleWorkflow(t *testing.T) {
	d := dbtest.SQLite(t)
	app := newTestApp(t, d)
	c := noticetest.Seed(t, d)
	app.addUser(t, "fiona", access.Finance, c.County)
	app.addUser(t, "dora", access.Director, c.County)
	fi := app.client(t).login("fiona", "user-pass-1")
	if r := fi.post("/notices/generate", url.Values{"period": {"2026-01"}, "kind": {"compensation"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("generate: %d %s", r.Status, r.Body)
	}
	var id int64
	if err := d.QueryRowContext(context.Background(), `SELECT id FROM notices WHERE area_id = ?`, c.County).Scan(&id); err != nil {
		t.Fatal(err)
	}
	page := "/notices/" + itoa64(id)
	if r := fi.get(page); strings.Contains(r.Body, `id="notice-review"`) {
		t.Error("the maker is offered the review")
	}
	do := app.client(t).login("dora", "user-pass-1")
	if r := do.post(page+"/step", url.Values{"step": {"review"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("review: %d", r.Status)
	}
	today := civil.Of(time.Now().In(notice.China))
	do.post(page+"/step", url.Values{"step": {"publish"}, "publish_from": {today.String()}, "publish_to": {today.AddDays(3).String()}})
	if r := do.get(page); !strings.Contains(r.Body, "公示期不得少于 7 天") {
		t.Error("short window not refused with a message")
	}
	do.post(page+"/step", url.Values{"step": {"publish"}, "publish_from": {today.String()}, "publish_to": {today.AddDays(6).String()}})
	if r := app.client(t).get("/public/notices/" + itoa64(id)); r.Status != http.StatusOK {
		t.Errorf("published notice not public: %d", r.Status)
	}
}
