package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// TestConsolePagesQuality walks the console's route table on a small demo
// county and opens every GET page as every demo user (one per role) with
// ids from that user's scope. Each answer must be the expected status
// (200 when the route admits the user, 403 when it does not, 404 only for a
// record outside the user's scope), hold no raw Go error, stack,
// template error or "<no value>", and label every form control. The
// server time of each page is recorded; the slowest are logged (see
// docs/web.md) — there is no timing assertion.
func TestConsolePagesQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := newQualityRun(t, d)
		q.walk(t)
		q.report(t)
	})
}

type qualityRun struct {
	d       *db.DB
	con     *Console
	auth    *auth.Service
	srv     *httptest.Server
	res     *demo.Result
	timings []pageTiming
}

type pageTiming struct {
	User, Path string
	Elapsed    time.Duration
}

func newQualityRun(t *testing.T, d *db.DB) *qualityRun {
	t.Helper()
	key, err := institution.NewKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := demo.Run(context.Background(), d, demo.Options{Seed: 11, Size: 0.01, OutpatientShare: 0.3, Key: key,
		BcryptCost: bcrypt.MinCost, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo county: %d persons, %d visits, %d claims, %d statements in %s", res.Persons, res.Visits, res.Claims,
		res.Statements, time.Since(start).Round(time.Millisecond))
	q := &qualityRun{d: d, res: res, auth: auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})}
	q.con = New(Config{DB: d, Auth: q.auth})
	q.srv = httptest.NewServer(httpx.Wrap(q.con, slog.New(slog.DiscardHandler)))
	t.Cleanup(q.srv.Close)
	return q
}

// walk opens every GET route as every demo user.
func (q *qualityRun) walk(t *testing.T) {
	if len(q.res.Logins) == 0 {
		t.Fatal("the demo printed no logins")
	}
	for _, l := range q.res.Logins {
		token, pr, err := q.auth.Login(context.Background(), l.Username, l.Password, "127.0.0.1", "quality-test")
		if err != nil {
			t.Fatalf("login %s: %v", l.Username, err)
		}
		ids := q.idsFor(t, pr.Actor)
		ok200 := 0
		for _, rt := range q.con.Routes() {
			if rt.Method != http.MethodGet || rt.Public || strings.HasPrefix(rt.Pattern, "/static/") {
				continue
			}
			path, found := fillPattern(rt.Pattern, ids)
			if !found {
				t.Errorf("%s: no id for %s in the demo county (extend idsFor)", l.Username, rt.Pattern)
				continue
			}
			want := http.StatusForbidden
			if rt.Permits(pr.Actor) {
				want = http.StatusOK
				if st, ok := bareStatus[rt.Pattern]; ok {
					want = st
				}
			}
			if q.check(t, l.Username, token, path, want) == http.StatusOK {
				ok200++
			}
		}
		for _, extra := range q.extras(ids) {
			if q.con.router.Allows(pr.Actor, http.MethodGet, extra.pattern) {
				q.check(t, l.Username, token, extra.path, http.StatusOK)
			}
		}
		t.Logf("%-12s %-12s %d pages 200", l.Username, l.Role, ok200)
	}
}

// bareStatus are the answers of pages that need a query to show anything.
var bareStatus = map[string]int{
	"/stats/records": http.StatusUnprocessableEntity, // a drill-down: needs the period and dimension of /stats
}

// extras are pages worth opening with a query (filters, sorts, searches).
type extraPage struct{ pattern, path string }

func (q *qualityRun) extras(ids map[string]string) []extraPage {
	today := time.Now().In(china).Format("2006-01-02")
	return []extraPage{
		{"/search", "/search?q=" + url.QueryEscape(ids["name"])},
		{"/search", "/search?q=" + url.QueryEscape(ids["setl"])},
		{"/search", "/search?q=" + url.QueryEscape(ids["household_no"])},
		{"/persons", "/persons?q=" + url.QueryEscape(ids["name"])},
		{"/persons/{id}/file", "/persons/" + ids["person_setl"] + "/file?date=" + today},
		{"/institutions", "/institutions?sort=name&dir=desc"},
		{"/claims", "/claims?stage=all"},
		{"/claims", "/claims?stage=first_review&sort=bill&dir=desc"},
		{"/desk/day", "/desk/day?institution_id=" + ids["inst"] + "&date=" + ids["setl_date"]},
		{"/supervision", "/supervision?status=active"},
		{"/statements", "/statements?period=" + ids["period"]},
	}
}

// check opens path and checks the answer; it returns the status.
func (q *qualityRun) check(t *testing.T, user, token, path string, want int) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, q.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s GET %s: %v", user, path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	q.timings = append(q.timings, pageTiming{User: user, Path: path, Elapsed: elapsed})
	switch {
	case res.StatusCode == want:
	case want == http.StatusOK && res.StatusCode == http.StatusNotFound:
		// a record outside the user's scope (the service filters)
	default:
		t.Errorf("%s GET %s: status %d, want %d\n%s", user, path, res.StatusCode, want, excerpt(string(body), ""))
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return res.StatusCode
	}
	b := string(body)
	for _, bad := range rawErrors {
		if loc := bad.FindStringIndex(b); loc != nil {
			t.Errorf("%s GET %s: raw error text %q in the page: %s", user, path, bad.String(), excerpt(b, b[loc[0]:loc[1]]))
		}
	}
	for _, p := range unlabelled(b) {
		t.Errorf("%s GET %s: form control without a label: %s", user, path, p)
	}
	return res.StatusCode
}

// rawErrors are texts that must never reach a page: Go and template
// errors, stacks, database messages, fmt mistakes.
var rawErrors = []*regexp.Regexp{
	regexp.MustCompile(`template: `),
	regexp.MustCompile(`&lt;no value&gt;|<no value>`),
	regexp.MustCompile(`goroutine \d+ \[`),
	regexp.MustCompile(`panic: |runtime error`),
	regexp.MustCompile(`\.go:\d+`),
	regexp.MustCompile(`sql: |SQLSTATE|pq: |sqlite: |SQL logic error`),
	regexp.MustCompile(`%!\w\(`),
	regexp.MustCompile(`\bnil pointer\b|invalid memory address`),
	regexp.MustCompile(`0x[0-9a-f]{8,}`),
}

func excerpt(body, near string) string {
	i := 0
	if near != "" {
		i = max(strings.Index(body, near)-120, 0)
	}
	j := min(i+400, len(body))
	return body[i:j]
}

// unlabelled returns the form controls of page without an accessible
// name: a <label for>, an enclosing <label>, aria-label, aria-labelledby
// or title. Hidden inputs and buttons are not checked.
func unlabelled(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"unparsable page: " + err.Error()}
	}
	labelFor := map[string]bool{}
	var controls []*html.Node
	var inLabel = map[*html.Node]bool{}
	var walk func(n *html.Node, underLabel bool)
	walk = func(n *html.Node, underLabel bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "label":
				if f := attr(n, "for"); f != "" {
					labelFor[f] = true
				}
				underLabel = true
			case "input", "select", "textarea":
				controls = append(controls, n)
				inLabel[n] = underLabel
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, underLabel)
		}
	}
	walk(doc, false)
	var out []string
	for _, n := range controls {
		if n.Data == "input" && slices.Contains([]string{"hidden", "submit", "button", "reset", "image"}, attr(n, "type")) {
			continue
		}
		if inLabel[n] || attr(n, "aria-label") != "" || attr(n, "aria-labelledby") != "" || attr(n, "title") != "" ||
			(attr(n, "id") != "" && labelFor[attr(n, "id")]) {
			continue
		}
		out = append(out, fmt.Sprintf("<%s name=%q id=%q type=%q>", n.Data, attr(n, "name"), attr(n, "id"), attr(n, "type")))
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// fillPattern replaces the wildcards of a route pattern with ids.
func fillPattern(pattern string, ids map[string]string) (string, bool) {
	if pattern == "/{$}" {
		return "/", true
	}
	if !strings.Contains(pattern, "{") {
		return pattern, true
	}
	v, ok := ids[pattern]
	return v, ok
}

// report logs the slowest pages.
func (q *qualityRun) report(t *testing.T) {
	slices.SortFunc(q.timings, func(a, b pageTiming) int { return int(b.Elapsed - a.Elapsed) })
	var total time.Duration
	for _, p := range q.timings {
		total += p.Elapsed
	}
	t.Logf("%d page loads, mean %s", len(q.timings), (total / time.Duration(max(len(q.timings), 1))).Round(time.Microsecond))
	for _, p := range q.timings[:min(15, len(q.timings))] {
		t.Logf("slow: %8s  %-12s %s", p.Elapsed.Round(time.Microsecond), p.User, p.Path)
	}
}

// idsFor picks, for each route pattern with a wildcard, a record in the
// user's scope (an institution user: its own institution's records).
func (q *qualityRun) idsFor(t *testing.T, a access.Actor) map[string]string {
	t.Helper()
	ctx := context.Background()
	one := func(query string, args ...any) string {
		var v string
		if err := q.d.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
			if !db.IsNoRows(err) {
				t.Errorf("idsFor: %s: %v", query, err)
			}
			return "0"
		}
		return v
	}
	area := a.Scope.AreaPath
	if area == "" {
		area = one(`SELECT path FROM areas WHERE parent_id IS NULL`)
	}
	inst := a.Scope.InstitutionID
	instS := fmt.Sprint(inst)
	if inst == 0 {
		instS = one(`SELECT institution_id FROM settlements GROUP BY institution_id ORDER BY COUNT(*) DESC, institution_id LIMIT 1`)
	}
	person := one(`SELECT s.person_id FROM settlements s JOIN persons p ON p.id = s.person_id
		WHERE p.area_path LIKE ? AND s.institution_id = ? ORDER BY s.id DESC LIMIT 1`, area+"%", instS)
	if person == "0" {
		person = one(`SELECT s.person_id FROM settlements s JOIN persons p ON p.id = s.person_id
			WHERE p.area_path LIKE ? ORDER BY s.id DESC LIMIT 1`, area+"%")
	}
	if person == "0" {
		person = one(`SELECT id FROM persons WHERE area_path LIKE ? ORDER BY id LIMIT 1`, area+"%")
	}
	hh := one(`SELECT household_id FROM persons WHERE id = ?`, person)
	setl := one(`SELECT id FROM settlements WHERE institution_id = ? ORDER BY id DESC LIMIT 1`, instS)
	stmt := one(`SELECT id FROM statements WHERE institution_id = ? ORDER BY id DESC LIMIT 1`, instS)
	if stmt == "0" {
		stmt = one(`SELECT id FROM statements ORDER BY id DESC LIMIT 1`)
	}
	batch := one(`SELECT id FROM pay_batches ORDER BY id DESC LIMIT 1`)
	deduction := one(`SELECT id FROM deductions WHERE institution_id = ? ORDER BY id DESC LIMIT 1`, instS)
	if deduction == "0" && inst == 0 {
		deduction = one(`SELECT id FROM deductions ORDER BY id DESC LIMIT 1`)
	}
	notice := one(`SELECT id FROM notices WHERE area_path LIKE ? ORDER BY id DESC LIMIT 1`, area+"%")
	ids := map[string]string{
		"name":         one(`SELECT name FROM persons WHERE id = ?`, person),
		"household_no": one(`SELECT number FROM households WHERE id = ?`, hh),
		"person_setl":  person,
		"inst":         instS,
		"setl":         setl,
		"setl_date":    one(`SELECT setl_date FROM settlements WHERE id = ?`, setl),
		"period":       one(`SELECT period FROM statements WHERE id = ?`, stmt),

		"/persons/{id}":                 "/persons/" + person,
		"/persons/{id}/file":            "/persons/" + person + "/file",
		"/desk/persons/{id}":            "/desk/persons/" + person,
		"/households/{id}":              "/households/" + hh,
		"/households/{id}/edit":         "/households/" + hh + "/edit",
		"/institutions/{id}":            "/institutions/" + instS,
		"/institutions/{id}/edit":       "/institutions/" + instS + "/edit",
		"/catalog/items/{code}":         "/catalog/items/" + url.PathEscape(one(`SELECT code FROM catalog_entries ORDER BY id LIMIT 1`)),
		"/enroll/receipts/{id}":         "/enroll/receipts/" + one(`SELECT id FROM contribution_payments WHERE receipt_no IS NOT NULL AND area_path LIKE ? ORDER BY id DESC LIMIT 1`, area+"%"),
		"/enroll/years/{year}":          "/enroll/years/" + one(`SELECT MAX(year) FROM scheme_years`),
		"/claims/{id}":                  "/claims/" + one(`SELECT id FROM claims WHERE area_path LIKE ? ORDER BY id DESC LIMIT 1`, area+"%"),
		"/desk/visits/{id}":             "/desk/visits/" + one(`SELECT visit_id FROM settlements WHERE id = ?`, setl),
		"/desk/settlements/{id}":        "/desk/settlements/" + setl,
		"/statements/{id}":              "/statements/" + stmt,
		"/statements/batches/{id}":      "/statements/batches/" + batch,
		"/statements/deductions/{id}":   "/statements/deductions/" + deduction,
		"/statements/batches/{id}/file": "/statements/batches/" + batch + "/file",
		"/ledger/entries/{id}":          "/ledger/entries/" + one(`SELECT id FROM ledger_entries ORDER BY id DESC LIMIT 1`),
		"/notices/{id}":                 "/notices/" + notice,
		"/notices/{id}/print":           "/notices/" + notice + "/print",
		"/notices/{id}/xlsx":            "/notices/" + notice + "/xlsx",
		"/supervision/cases/{id}":       "/supervision/cases/" + one(`SELECT id FROM supervise_cases ORDER BY id DESC LIMIT 1`),
		"/supervision/samples/{id}":     "/supervision/samples/" + one(`SELECT id FROM supervise_samples ORDER BY id DESC LIMIT 1`),
		"/complaints/{id}":              "/complaints/" + one(`SELECT id FROM complaints ORDER BY id DESC LIMIT 1`),
		"/admin/users/{id}":             "/admin/users/" + fmt.Sprint(a.UserID),
	}
	return ids
}
