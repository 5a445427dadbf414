package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/institution"
	"ncms/internal/registry"
	"ncms/internal/setup"
)

// The access-control matrix: every route of the console and the API ×
// every role × a county-wide, an in-scope and an out-of-scope variant. The
// expectation is derived from the route's declared rule (Roles, Scope):
//
//   - refused by the rule: 403 before the handler (never 2xx);
//   - allowed, unsafe method: the request passes role and scope and stops
//     at the CSRF check (403 csrf) — so no handler runs, and every unsafe
//     console and cookie-API route is shown to need the token;
//   - allowed GET: the handler answers, never 401, never 5xx; for a route
//     whose {id} names a scoped record, the record of the caller's own
//     township (or institution) is 200 and the other one's 404 (or 403).
//
// A route whose path segment before a wildcard is not in idKinds fails
// the test: classify it (scoped record or not) when adding the route.

// idKinds classifies a wildcard by the path segment before it.
var idKinds = map[string]string{
	"persons":      "person",
	"households":   "household",
	"areas":        "area",
	"users":        "user",
	"institutions": "institution",
	// Records the matrix does not create; the route is called with id 1
	// (not found for everybody) and must not fail.
	"receipts": "-", "arrivals": "-", "claims": "-", "visits": "-", "settlements": "-", "statements": "-",
	"deductions": "-", "batches": "-", "entries": "-", "tokens": "-", "items": "-", "catalog": "-",
	"years": "year", "fund": "year", "static": "-",
	"notices": "-", "outbox": "-", "complaints": "-", "cases": "-", "samples": "-", "blacklist": "-", "stats": "-",
}

// queries are the query strings a GET route requires ({year}: the current year).
var queries = map[string]string{
	"/api/v1/enroll/households/{id}": "?year={year}",
}

// narrowedByService lists routes whose service refuses (403) some callers
// the route's rule admits, by design, and which callers: a permitted
// caller refused elsewhere fails the matrix.
var narrowedByService = map[string]func(u *mUser) bool{
	// docs/architecture.md "Settlement service": county-wide users read
	// every institution, township users none.
	"/api/v1/settle/": func(u *mUser) bool { return u.place == "A" },
}

// Paths whose person is found county-wide by design (the settlement desk
// and the settle API look people up by ID number anywhere in the county).
var countyWidePersons = []string{"/settle/persons/", "/desk/persons/"}

type mUser struct {
	name    string
	actor   access.Actor
	session string
	token   string
	place   string // "county", "A" (township A), "X" (institution X)
}

type matrix struct {
	app       *App
	d         *db.DB
	key       institution.Key
	ids       map[string][2]int64 // kind -> {id in A / X, id in B / Y}
	users     []*mUser
	instCreds [2]institution.Credentials
	rootID    int64
	year      string
}

// newMatrix builds the county: townships A and B with a village and a
// household of one person each, institutions X (in A) and Y (in B), users
// target.a / target.b, and one logged-in user per role and place.
func newMatrix(t *testing.T, d *db.DB) *matrix {
	t.Helper()
	ctx := context.Background()
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县", AdminPassword: "admin-pass-1", Auth: opts}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, err := institution.NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	m := &matrix{app: New(d, nil, Options{Auth: opts}), d: d, key: key, ids: map[string][2]int64{},
		year: strconv.Itoa(time.Now().Year())}
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&m.rootID); err != nil {
		t.Fatal(err)
	}
	sys := access.WithActor(ctx, access.System("matrix"))
	reg := registry.New(d, registry.Options{})
	var towns, vills [2]registry.Area
	var hh [2]registry.Household
	for i, name := range []string{"红果镇", "柏果镇"} {
		if towns[i], err = reg.CreateArea(sys, registry.AreaInput{ParentID: m.rootID, Name: name}); err != nil {
			t.Fatal(err)
		}
		if vills[i], err = reg.CreateArea(sys, registry.AreaInput{ParentID: towns[i].ID, Name: name + "一村"}); err != nil {
			t.Fatal(err)
		}
		birth := civil.MustParse("1970-03-01")
		hh[i], err = reg.RegisterHousehold(sys, registry.HouseholdInput{AreaID: vills[i].ID, Members: []registry.PersonInput{{
			IDNumber: idcard.Generate("520222", birth, 11+i, true), Name: []string{"张大山", "李四"}[i], Sex: idcard.Male,
			BirthDate: birth, Relation: "户主"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	m.ids["area"] = [2]int64{vills[0].ID, vills[1].ID}
	m.ids["household"] = [2]int64{hh[0].ID, hh[1].ID}
	var persons [2]int64
	for i := range hh {
		if err := d.QueryRowContext(ctx, `SELECT id FROM persons WHERE household_id = ?`, hh[i].ID).Scan(&persons[i]); err != nil {
			t.Fatal(err)
		}
	}
	m.ids["person"] = persons
	inst := institution.New(d, institution.Options{Key: key})
	var insts [2]int64
	for i := range insts {
		in, cred, err := inst.Create(sys, institution.Input{Code: fmt.Sprintf("H52022200%03d", i+1), Name: []string{"红果镇卫生院", "柏果镇卫生院"}[i],
			Level: institution.Township, AreaID: towns[i].ID, InCounty: true, Agreement: true, Networked: true})
		if err != nil {
			t.Fatal(err)
		}
		insts[i], m.instCreds[i] = in.ID, cred
	}
	m.ids["institution"] = insts
	var targets [2]int64
	for i, a := range []int64{towns[0].ID, towns[1].ID} {
		u, _, err := m.app.Auth.CreateUser(sys, auth.UserInput{Username: "target." + "ab"[i:i+1], DisplayName: "目标",
			Role: access.Enrollment, AreaID: a, Password: "target-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = u.ID
	}
	m.ids["user"] = targets
	for _, r := range access.Roles {
		places := map[string]auth.UserInput{
			"county": {AreaID: m.rootID},
			"A":      {AreaID: towns[0].ID},
		}
		if r == access.Institution {
			places = map[string]auth.UserInput{"X": {InstitutionID: insts[0]}}
		}
		for place, in := range places {
			in.Username, in.DisplayName, in.Role, in.Password = string(r)+"."+strings.ToLower(place), "用户", r, "matrix-pass-1"
			m.addUser(t, in, place)
		}
	}
	return m
}

func (m *matrix) addUser(t *testing.T, in auth.UserInput, place string) {
	t.Helper()
	ctx := context.Background()
	sys := access.WithActor(ctx, access.System("matrix"))
	u, _, err := m.app.Auth.CreateUser(sys, in)
	if err != nil {
		t.Fatalf("user %s: %v", in.Username, err)
	}
	if err := m.d.InTx(ctx, func(tx *db.Tx) error { return m.app.Auth.SetMustChange(sys, tx, u.ID, false) }); err != nil {
		t.Fatal(err)
	}
	session, p, err := m.app.Auth.Login(ctx, in.Username, in.Password, "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := m.app.Auth.CreateToken(access.WithActor(ctx, p.Actor), "matrix", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	m.users = append(m.users, &mUser{name: in.Username, actor: p.Actor, session: session, token: token, place: place})
}

// do sends one request as u; csrf false leaves the token out (cookie
// requests), bearer uses u's API token instead of the cookie.
func (m *matrix) do(u *mUser, method, path string, bearer, csrf bool) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(""))
	if u != nil {
		if bearer {
			req.Header.Set("Authorization", "Bearer "+u.token)
		} else {
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: u.session})
			if csrf {
				req.Header.Set(httpx.CSRFHeader, auth.CSRFToken(u.session))
			}
		}
	}
	rec := httptest.NewRecorder()
	m.app.Handler.ServeHTTP(rec, req)
	return rec
}

// errCode reads the refusal's code: the JSON error's, or for console pages
// which of the guard's messages the page shows.
func errCode(rec *httptest.ResponseRecorder) string {
	body := rec.Body.String()
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		return e.Error.Code
	}
	switch {
	case strings.Contains(body, "页面已过期") || strings.Contains(body, "the form has expired"):
		return "csrf"
	case strings.Contains(body, "您的管辖范围不能使用此功能") || strings.Contains(body, "your scope does not allow this"):
		return "scope"
	case strings.Contains(body, "无权访问此功能") || strings.Contains(body, "you are not allowed to do this"):
		return "forbidden"
	}
	return ""
}

// kindOf returns the kind of the route's first wildcard ("" when it has
// none), or an error when the segment is not classified.
func kindOf(path string) (string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") || s == "{$}" {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		k, ok := idKinds[prev]
		if !ok {
			return "", fmt.Errorf("wildcard after %q is not classified: add it to idKinds in access_matrix_test.go", prev)
		}
		if k == "person" {
			for _, p := range countyWidePersons {
				if strings.Contains(path, p) {
					return "-", nil
				}
			}
		}
		return k, nil
	}
	return "", nil
}

// fill puts id into every wildcard of the pattern.
func fill(pattern, id string) string {
	return wildcard.ReplaceAllStringFunc(pattern, func(w string) string {
		if w == "{$}" {
			return ""
		}
		return id
	})
}

// inScope reports whether u's scope covers record i (0: A / X, 1: B / Y) of kind.
func (u *mUser) inScope(kind string, i int) bool {
	switch {
	case u.place == "county":
		return true
	case kind == "institution" && u.place == "A":
		return true // institutions are county-wide resources for area users
	case u.place == "A":
		return i == 0
	case u.place == "X":
		return kind == "institution" && i == 0
	}
	return false
}

func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newMatrix(t, d)
		routes := m.app.Routes()
		checked := 0
		for _, r := range routes {
			if r.Public {
				m.checkPublic(t, r)
				continue
			}
			kind, err := kindOf(r.Path)
			if err != nil {
				t.Errorf("%s %s: %v", r.Method, r.Path, err)
				continue
			}
			ran := map[string]bool{} // places whose handler already ran this route
			for _, u := range m.users {
				checked += m.check(t, r, kind, u, ran)
			}
		}
		if want := len(routes) * len(m.users) / 3; d.Dialect() == db.SQLite && checked < want || checked < len(routes) {
			t.Fatalf("only %d requests checked", checked)
		}
		t.Logf("%d routes × %d users: %d requests", len(routes), len(m.users), checked)
	})
}

// check sends route r as u and compares the answer with the route's rule.
//
// Allowed GETs run the handler; to keep the matrix fast, a route whose
// id is not a scoped record runs once per place (county, township,
// institution) — the guard's decision for the other roles is the same
// Permits, checked by the refusals.
func (m *matrix) check(t *testing.T, r FullRoute, kind string, u *mUser, ran map[string]bool) int {
	t.Helper()
	name := fmt.Sprintf("%s %s as %s", r.Method, r.Path, u.name)
	id := "1"
	switch kind {
	case "year":
		id = m.year
	case "", "-":
	default:
		id = strconv.FormatInt(m.ids[kind][0], 10)
	}
	path := fill(r.Path, id)
	query := strings.ReplaceAll(queries[r.Path], "{year}", m.year)
	// The guard's refusals do not depend on the engine: PostgreSQL runs
	// only the handlers (allowed GETs), whose SQL does.
	guardOnly := !r.Permits(u.actor) || r.Method != http.MethodGet
	if guardOnly && m.d.Dialect() == db.Postgres {
		return 0
	}
	if !r.Permits(u.actor) {
		rec := m.do(u, r.Method, path, r.API, true)
		if c := errCode(rec); rec.Code != http.StatusForbidden || (c != "forbidden" && c != "scope") {
			t.Errorf("%s: refused by rule, got %d %q", name, rec.Code, c)
		}
		return 1
	}
	if r.Method != http.MethodGet {
		if r.NoCSRF {
			return 0
		}
		// Role and scope pass; the CSRF check (the guard's last) stops it.
		rec := m.do(u, r.Method, path, false, false)
		if c := errCode(rec); rec.Code != http.StatusForbidden || c != "csrf" {
			t.Errorf("%s: allowed by rule, so only the missing CSRF token may refuse it; got %d %q", name, rec.Code, c)
		}
		return 1
	}
	scoped := kind != "" && kind != "-" && kind != "year"
	if !scoped && ran[u.place] {
		return 0
	}
	ran[u.place] = true
	n := 0
	for i := range 2 {
		if i == 1 && (kind == "" || kind == "-" || kind == "year") {
			break
		}
		if kind != "" && kind != "-" && kind != "year" {
			path = fill(r.Path, strconv.FormatInt(m.ids[kind][i], 10))
		}
		rec := m.do(u, r.Method, path+query, r.API, true)
		n++
		switch {
		case rec.Code == http.StatusForbidden && narrowed(r.Path, u):
		case rec.Code == http.StatusUnauthorized || rec.Code >= 500:
			t.Errorf("%s (%s): allowed by rule, got %d: %.300s", name, path, rec.Code, rec.Body.String())
		case rec.Code == http.StatusForbidden && (errCode(rec) == "forbidden" || errCode(rec) == "scope" || errCode(rec) == "csrf"):
			t.Errorf("%s (%s): allowed by rule, refused by the guard: %q", name, path, errCode(rec))
		case kind == "" || kind == "-" || kind == "year":
		case u.inScope(kind, i) && rec.Code != http.StatusOK:
			t.Errorf("%s (%s): in scope, got %d: %.300s", name, path, rec.Code, rec.Body.String())
		case !u.inScope(kind, i) && rec.Code != http.StatusNotFound && rec.Code != http.StatusForbidden:
			t.Errorf("%s (%s): out of scope, got %d (want 404 or 403)", name, path, rec.Code)
		}
		if !r.API && rec.Code == http.StatusOK && rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: a logged-in page without Cache-Control: no-store", name)
		}
	}
	return n
}

// checkPublic: a public GET answers an anonymous caller without asking
// for a login (the login page and a static file: 200), never 5xx.
func (m *matrix) checkPublic(t *testing.T, r FullRoute) {
	t.Helper()
	if r.Method != http.MethodGet {
		return
	}
	path := fill(r.Path, "1")
	if r.Path == "/static/{file...}" {
		path = "/static/app.css"
	}
	rec := m.do(nil, "GET", path, false, false)
	switch {
	case rec.Code >= 500, rec.Code == http.StatusUnauthorized, rec.Code == http.StatusForbidden:
		t.Errorf("public GET %s: %d", path, rec.Code)
	case (path == "/login" || path == "/static/app.css") && rec.Code != http.StatusOK:
		t.Errorf("public GET %s: %d, want 200", path, rec.Code)
	}
}

func narrowed(path string, u *mUser) bool {
	for p, who := range narrowedByService {
		if strings.HasPrefix(path, p) && who(u) {
			return true
		}
	}
	return false
}

// TestRouteWithoutRuleIsRefused: the route table refuses, at start, a
// route without a role or scope rule, so no route can escape the matrix.
func TestRouteWithoutRuleIsRefused(t *testing.T) {
	h := func(http.ResponseWriter, *http.Request) error { return nil }
	for _, bad := range []httpx.Route{
		{Method: "GET", Pattern: "/x", Handler: h},                                                      // nothing
		{Method: "GET", Pattern: "/x", Scope: httpx.ScopeOwn, Handler: h},                               // no roles
		{Method: "GET", Pattern: "/x", Roles: []access.Role{access.Admin}, Handler: h},                  // no scope
		{Method: "GET", Pattern: "/x", Roles: []access.Role{"root"}, Scope: httpx.ScopeOwn, Handler: h}, // unknown role
		{Method: "GET", Pattern: "/x", Public: true, Roles: []access.Role{access.Admin}, Scope: httpx.ScopePublic, Handler: h},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("route %+v was accepted", bad)
				}
			}()
			httpx.NewRouter(httpx.Config{Mode: httpx.API}).Add(bad)
		}()
	}
}

// TestHISRoutesAuthenticateEveryCall: the HIS routes are public to the
// router but answer 401 to anything but a valid institution signature (a
// console session or API token is not one), and a signature of X cannot
// act as Y.
func TestHISRoutesAuthenticateEveryCall(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := newMatrix(t, d)
		h := httpx.Wrap(his.New(his.Config{DB: d, Key: m.key}), slog.New(slog.DiscardHandler))
		svc := his.New(his.Config{DB: d, Key: m.key})
		admin := m.users[0]
		x, y := m.instCreds[0], m.instCreds[1]
		cx := &his.Client{Code: x.Code, PaasID: x.PaasID, Secret: x.Secret}
		for _, r := range svc.Routes() {
			path := his.Prefix + fill(r.Pattern, "9001")
			body := func(code string) string {
				b, _ := json.Marshal((&his.Client{Code: code}).Envelope("9001", "m"+strconv.FormatInt(time.Now().UnixNano(), 10),
					map[string]any{"signIn": map[string]any{"opter_no": "1"}}))
				return string(b)
			}
			for _, tc := range []struct {
				name   string
				hdr    func(http.Header)
				body   string
				status int
				inf    int
			}{
				{"anonymous", func(http.Header) {}, body(x.Code), 401, -1},
				{"console session", func(h http.Header) { h.Set("Cookie", httpx.SessionCookie+"="+admin.session) }, body(x.Code), 401, -1},
				{"API token", func(h http.Header) { h.Set("Authorization", "Bearer "+admin.token) }, body(x.Code), 401, -1},
				{"wrong secret", func(h http.Header) {
					c := &his.Client{Code: x.Code, PaasID: x.PaasID, Secret: strings.Repeat("0", 64)}
					for k, v := range c.Headers() {
						h[k] = v
					}
				}, body(x.Code), 401, -1},
				{"X acting as Y", func(h http.Header) {
					for k, v := range cx.Headers() {
						h[k] = v
					}
				}, body(y.Code), 200, -1},
				{"X as X", func(h http.Header) {
					for k, v := range cx.Headers() {
						h[k] = v
					}
				}, body(x.Code), 200, 0},
			} {
				req := httptest.NewRequest("POST", path, strings.NewReader(tc.body))
				tc.hdr(req.Header)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var env struct{ InfCode his.InfCode }
				_ = json.Unmarshal(rec.Body.Bytes(), &env)
				if rec.Code != tc.status || int(env.InfCode) != tc.inf {
					t.Errorf("%s %s: HTTP %d infcode %d, want %d / %d: %s", r.Pattern, tc.name, rec.Code, env.InfCode, tc.status, tc.inf, rec.Body)
				}
			}
		}
	})
}
