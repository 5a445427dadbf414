package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/catalog"
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

// Hostile text: person names may hold no digits, so the name payloads
// have none.
const (
	xssName = `<script>alert('x')</script>`
	sqlName = `'; DROP TABLE persons;--`
	xssAttr = `"><img src=x onerror=alert(1)>`
)

var hostile = []string{xssName, sqlName, xssAttr}

// raw finds a payload that reached a page unescaped.
var raw = regexp.MustCompile(`(?i)<script>alert|<img src=x onerror`)

// secEnv is the app on an initialized county with a logged-in administrator.
type secEnv struct {
	t       *testing.T
	d       *db.DB
	app     *App
	session string
	rootID  int64
	log     *syncBuffer
}

// syncBuffer collects the log of a whole run.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newSecEnv(t *testing.T, d *db.DB) *secEnv {
	t.Helper()
	ctx := context.Background()
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县", AdminPassword: "admin-pass-1", Auth: opts}); err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &secEnv{t: t, d: d, app: New(d, log, Options{Auth: opts}), log: buf}
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&e.rootID); err != nil {
		t.Fatal(err)
	}
	e.session = e.login("admin", "admin-pass-1", "")
	if e.session == "" {
		t.Fatal("admin login failed")
	}
	return e
}

// send serves one console request with the admin's session (and its CSRF
// token on forms).
func (e *secEnv) send(method, path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	var req *http.Request
	if form != nil {
		form.Set(httpx.CSRFField, auth.CSRFToken(e.session))
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.session})
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return rec
}

// login posts the login form as a browser does (login page first for the
// pre-session CSRF cookie) and returns the new session token ("" if none).
// planted is a session cookie already in the browser (fixation).
func (e *secEnv) login(user, pass, planted string) string {
	e.t.Helper()
	rec := e.loginRec(user, pass, planted, "192.0.2.7:1234")
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpx.SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

func (e *secEnv) loginRec(user, pass, planted, remote string) *httptest.ResponseRecorder {
	page := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(page, httptest.NewRequest("GET", "/login", nil))
	var pre *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "ncms_csrf" {
			pre = c
		}
	}
	if pre == nil {
		e.t.Fatal("the login page set no CSRF cookie")
	}
	tok := pre.Value
	if _, err := e.app.Auth.Resolve(context.Background(), planted); planted != "" && err == nil {
		tok = auth.CSRFToken(planted) // a logged-in browser's forms carry its session's token
	}
	form := url.Values{"username": {user}, "password": {pass}, httpx.CSRFField: {tok}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	if planted != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: planted})
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return rec
}

// postForm matches a POST form of a page, up to its end.
var postForm = regexp.MustCompile(`(?is)<form[^>]*method="post"[^>]*>.*?</form>`)

// checkPage fails when a payload reached the page unescaped, the page
// failed, or one of its POST forms lacks the CSRF token.
func (e *secEnv) checkPage(what string, rec *httptest.ResponseRecorder) {
	e.t.Helper()
	if rec.Code >= 500 {
		e.t.Errorf("%s: HTTP %d", what, rec.Code)
	}
	for _, f := range postForm.FindAllString(rec.Body.String(), -1) {
		if !strings.Contains(f, `name="`+httpx.CSRFField+`"`) {
			e.t.Errorf("%s: a POST form without the CSRF token: %.200s", what, f)
		}
	}
	if m := raw.FindString(rec.Body.String()); m != "" {
		i := strings.Index(rec.Body.String(), m)
		e.t.Errorf("%s: unescaped payload %q in the page: …%s…", what, m, rec.Body.String()[max(0, i-80):min(rec.Body.Len(), i+80)])
	}
}

// TestHostileText sends hostile names through the registry, household,
// institution and catalogue forms and every search box, and renders every
// console page that shows them: stored literally, always escaped, SQL
// text is only text.
func TestHostileText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSecEnv(t, d)
		ctx := context.Background()
		root := strconv.FormatInt(e.rootID, 10)
		// An area per payload, through the form.
		for _, p := range hostile {
			rec := e.send("POST", "/areas", url.Values{"parent_id": {root}, "name": {p}})
			e.checkPage("POST /areas "+p, rec)
		}
		var village int64
		sys := access.WithActor(ctx, access.System("test"))
		reg := registry.New(d, registry.Options{})
		town, err := reg.CreateArea(sys, registry.AreaInput{ParentID: e.rootID, Name: "红果镇"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := reg.CreateArea(sys, registry.AreaInput{ParentID: town.ID, Name: "一村"})
		if err != nil {
			t.Fatal(err)
		}
		village = v.ID
		// A household whose names and address are the payloads.
		head := idcard.Generate("520222", civil.MustParse("1970-03-01"), 11, true)
		wife := idcard.Generate("520222", civil.MustParse("1972-05-09"), 12, false)
		form := url.Values{"rows": {"2"}, "area_id": {strconv.FormatInt(village, 10)}, "address": {xssAttr}, "phone": {xssName},
			"m1_name": {xssName}, "m1_relation": {"户主"}, "m1_id_number": {head},
			"m2_name": {sqlName}, "m2_relation": {"配偶"}, "m2_id_number": {wife}}
		rec := e.send("POST", "/households/new", form)
		e.checkPage("POST /households/new", rec)
		if rec.Code != http.StatusSeeOther {
			// The phone is refused; the re-rendered form must escape every value.
			form.Set("phone", "")
			rec = e.send("POST", "/households/new", form)
		}
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/households/") {
			t.Fatalf("register household with hostile names: %d %s", rec.Code, rec.Body.String())
		}
		household := rec.Header().Get("Location")
		// Stored literally.
		for _, name := range []string{xssName, sqlName} {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE name = ?`, name).Scan(&n); err != nil || n != 1 {
				t.Errorf("person named %q stored %d times (%v)", name, n, err)
			}
		}
		var addr string
		if err := d.QueryRowContext(ctx, `SELECT address FROM households WHERE id = ?`, strings.TrimPrefix(household, "/households/")).Scan(&addr); err != nil || addr != xssAttr {
			t.Errorf("address stored as %q (%v)", addr, err)
		}
		// An institution and catalogue items named by the payloads.
		instForm := url.Values{"fixmedins_code": {"H52022200001"}, "fixmedins_name": {xssName}, "level": {"township"},
			"area_id": {strconv.FormatInt(town.ID, 10)}, "in_county": {"1"}, "agreement": {"1"}, "bank_name": {xssAttr}, "bank_account_name": {sqlName}, "bank_account_no": {"6222000011112222"}}
		e.checkPage("POST /institutions", e.send("POST", "/institutions", instForm))
		var instID int64
		if err := d.QueryRowContext(ctx, `SELECT id FROM institutions WHERE code = 'H52022200001'`).Scan(&instID); err != nil {
			// The console has no HIS key here: create it through the service.
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			key, _ := institution.NewKey(b)
			in, _, err := institution.New(d, institution.Options{Key: key}).Create(sys, institution.Input{Code: "H52022200001", Name: xssName,
				Level: institution.Township, AreaID: town.ID, InCounty: true, Agreement: true, BankName: xssAttr, BankAccountName: sqlName, BankAccountNo: "6222000011112222"})
			if err != nil {
				t.Fatal(err)
			}
			instID = in.ID
		}
		rows := [][]string{catalog.Template()[0]}
		for i, p := range hostile {
			row := make([]string, len(rows[0]))
			copy(row, catalog.Template()[1])
			row[0], row[1] = "XSS00"+strconv.Itoa(i), p
			rows = append(rows, row)
		}
		if _, err := catalog.New(d, catalog.Options{}).Import(sys, rows); err != nil {
			t.Fatal(err)
		}
		// Searches: every search box with every payload (GET and POST forms).
		for _, p := range hostile {
			q := url.QueryEscape(p)
			for _, path := range []string{"/persons?q=" + q, "/institutions?q=" + q, "/catalog?q=" + q, "/audit?q=" + q,
				"/admin/users?q=" + q, "/claims?q=" + q, "/enroll?q=" + q, "/other-schemes?q=" + q, "/statements?q=" + q} {
				e.checkPage("GET "+path, e.send("GET", path, nil))
			}
			e.checkPage("POST /persons "+p, e.send("POST", "/persons", url.Values{"q": {p}}))
			e.checkPage("POST /enroll/search "+p, e.send("POST", "/enroll/search", url.Values{"q": {p}, "household_no": {p}, "id_number": {p}}))
		}
		if rec := e.send("GET", "/persons?q="+url.QueryEscape(sqlName), nil); !strings.Contains(rec.Body.String(), "DROP TABLE persons;--") {
			t.Errorf("search for %q did not find the person named so (%d)", sqlName, rec.Code)
		}
		// Every page showing them: escaped.
		var pid int64
		if err := d.QueryRowContext(ctx, `SELECT id FROM persons WHERE name = ?`, xssName).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pages := []string{household, household + "/edit", "/persons/" + strconv.FormatInt(pid, 10), "/persons?all=1", "/areas",
			"/areas?id=" + strconv.FormatInt(village, 10), "/institutions", "/institutions/" + strconv.FormatInt(instID, 10),
			"/institutions/" + strconv.FormatInt(instID, 10) + "/edit", "/catalog", "/catalog/items/XSS000", "/catalog/items/XSS002", "/audit", "/"}
		for _, path := range pages {
			rec := e.send("GET", path, nil)
			e.checkPage("GET "+path, rec)
			if rec.Code != http.StatusOK {
				t.Errorf("GET %s: %d", path, rec.Code)
			}
		}
		if body := e.send("GET", "/persons/"+strconv.FormatInt(pid, 10), nil).Body.String(); !strings.Contains(body, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
			t.Error("the person page does not show the name escaped")
		}
		// Every console GET page, with every common parameter hostile.
		params := url.Values{}
		for _, k := range []string{"q", "name", "status", "category", "kind", "class", "level", "date", "year", "period", "area",
			"no", "batch", "page", "next", "stage", "format", "institution_id", "id", "from", "to", "lang", "month"} {
			params.Set(k, xssAttr)
		}
		for _, r := range e.app.Console.Routes() {
			if r.Method != "GET" || strings.Contains(r.Pattern, "{") {
				continue
			}
			e.checkPage("GET "+r.Pattern+" (hostile parameters)", e.send("GET", r.Pattern+"?"+params.Encode(), nil))
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n); err != nil || n != 2 {
			t.Errorf("persons after the hostile run: %d, %v", n, err)
		}
	})
}

// TestCSRF: a console form without the token, with a wrong one, or from a
// foreign Origin is refused; the login form too. (The access matrix shows
// it for every unsafe route.)
func TestCSRF(t *testing.T) {
	e := newSecEnv(t, dbtest.SQLite(t))
	form := func(tok string, origin string) int {
		v := url.Values{"parent_id": {strconv.FormatInt(e.rootID, 10)}, "name": {"新镇"}}
		if tok != "" {
			v.Set(httpx.CSRFField, tok)
		}
		req := httptest.NewRequest("POST", "/areas", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.session})
		rec := httptest.NewRecorder()
		e.app.Handler.ServeHTTP(rec, req)
		return rec.Code
	}
	good := auth.CSRFToken(e.session)
	for _, c := range []struct {
		tok, origin string
		want        int
	}{
		{"", "", 403}, {"x" + good[1:], "", 403}, {auth.CSRFToken("another-session"), "", 403},
		{good, "https://evil.example", 403}, {good, "http://example.com", 303},
	} {
		if got := form(c.tok, c.origin); got != c.want {
			t.Errorf("token %.8q origin %q: %d, want %d", c.tok, c.origin, got, c.want)
		}
	}
	// The login form needs the pre-session cookie's token.
	v := url.Values{"username": {"admin"}, "password": {"admin-pass-1"}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("login without CSRF token: %d", rec.Code)
	}
}

// TestSessionFixation: a session id planted before login is never the
// one after it, logging in again replaces the old session, and logout
// ends it.
func TestSessionFixation(t *testing.T) {
	e := newSecEnv(t, dbtest.SQLite(t))
	planted := strings.Repeat("a", 43)
	s1 := e.login("admin", "admin-pass-1", planted)
	if s1 == "" || s1 == planted {
		t.Fatalf("login with a planted cookie: new session %q", s1)
	}
	s2 := e.login("admin", "admin-pass-1", s1)
	if s2 == "" || s2 == s1 {
		t.Fatalf("second login kept the session")
	}
	if _, err := e.app.Auth.Resolve(context.Background(), s1); err == nil {
		t.Error("the session replaced at login is still valid")
	}
	e.session = s2
	if rec := e.send("POST", "/logout", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	if rec := e.send("GET", "/persons", nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("after logout the session still works: %d", rec.Code)
	}
}

// TestLoginRateLimit: five wrong passwords lock the account (the right
// one is then refused too); many failures from one address are answered
// 429 whatever the username.
func TestLoginRateLimit(t *testing.T) {
	e := newSecEnv(t, dbtest.SQLite(t))
	for i := range 5 {
		if rec := e.loginRec("admin", "wrong-"+strconv.Itoa(i), "", "198.51.100.1:1"); rec.Code == http.StatusSeeOther {
			t.Fatal("a wrong password logged in")
		}
	}
	rec := e.loginRec("admin", "admin-pass-1", "", "198.51.100.2:1")
	if rec.Code == http.StatusSeeOther || !strings.Contains(rec.Body.String(), "锁定") {
		t.Fatalf("right password after 5 failures: %d, want the lockout message", rec.Code)
	}
	// Per address: 20 failures (4 users × 5, cheap MinCost hashes) from
	// one address, then even a right password from there is 429.
	sys := access.WithActor(context.Background(), access.System("test"))
	for i := range 4 {
		name := "clerk" + strconv.Itoa(i)
		if _, _, err := e.app.Auth.CreateUser(sys, auth.UserInput{Username: name, DisplayName: "办事员", Role: access.Auditor,
			AreaID: e.rootID, Password: "clerk-pass-1"}); err != nil {
			t.Fatal(err)
		}
		for j := range 5 {
			if rec := e.loginRec(name, "wrong-"+strconv.Itoa(j), "", "198.51.100.9:1"); rec.Code == http.StatusSeeOther {
				t.Fatal("a wrong password logged in")
			}
		}
	}
	if rec := e.loginRec("clerk0", "clerk-pass-1", "", "198.51.100.9:1"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("after 20 failures from one address: %d, want 429", rec.Code)
	}
	if rec := e.loginRec("clerk3", "clerk-pass-1", "", "198.51.100.10:1"); rec.Code == http.StatusTooManyRequests {
		t.Errorf("another address is limited too")
	}
}

// TestSecureHeaders: every answer carries the security headers; pages of
// a logged-in user and API answers are not stored by caches.
func TestSecureHeaders(t *testing.T) {
	e := newSecEnv(t, dbtest.SQLite(t))
	check := func(what string, rec *httptest.ResponseRecorder, private bool) {
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", what, csp, want)
			}
		}
		if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("%s: inline scripts allowed", what)
		}
		for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", what, k, h.Get(k), v)
			}
		}
		if private && !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q on a private answer", what, h.Get("Cache-Control"))
		}
		for _, c := range rec.Result().Cookies() {
			if !c.HttpOnly || c.SameSite == http.SameSiteNoneMode {
				t.Errorf("%s: cookie %s is not HttpOnly / SameSite", what, c.Name)
			}
		}
	}
	anon := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(anon, httptest.NewRequest("GET", "/login", nil))
	check("GET /login", anon, false)
	for _, p := range []string{"/", "/persons?all=1", "/admin/users", "/audit"} {
		check("GET "+p, e.send("GET", p, nil), true)
	}
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.session})
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	check("GET /api/v1/me", rec, true)
	none := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(none, httptest.NewRequest("GET", "/no/such/page", nil))
	check("GET /no/such/page", none, false)
}

// TestSecretsNeverLogged runs logins (right and wrong), token creation,
// institution credentials, signed HIS calls and registry searches by full
// ID number with the JSON log captured at debug level, then scans it for
// every secret and personal number used.
func TestSecretsNeverLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSecEnv(t, d)
		ctx := context.Background()
		sys := access.WithActor(ctx, access.System("test"))
		secrets := []string{"admin-pass-1", "wrong-password-9", e.session, auth.CSRFToken(e.session)}
		e.loginRec("admin", "wrong-password-9", "", "192.0.2.8:1")
		// An API token, created through the API, then used.
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"name":"ci"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(httpx.CSRFHeader, auth.CSRFToken(e.session))
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.session})
		rec := httptest.NewRecorder()
		e.app.Handler.ServeHTTP(rec, req)
		token := regexp.MustCompile(`"secret"\s*:\s*"([^"]+)"`).FindStringSubmatch(rec.Body.String())
		if rec.Code != http.StatusCreated || token == nil {
			t.Fatalf("create token: %d %s", rec.Code, rec.Body)
		}
		secrets = append(secrets, token[1])
		// A person, searched by full ID number on the console and the API.
		reg := registry.New(d, registry.Options{})
		town, _ := reg.CreateArea(sys, registry.AreaInput{ParentID: e.rootID, Name: "红果镇"})
		vill, _ := reg.CreateArea(sys, registry.AreaInput{ParentID: town.ID, Name: "一村"})
		idn := idcard.Generate("520222", civil.MustParse("1970-03-01"), 11, true)
		if _, err := reg.RegisterHousehold(sys, registry.HouseholdInput{AreaID: vill.ID, Members: []registry.PersonInput{{IDNumber: idn,
			Name: "张大山", Relation: "户主"}}}); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, idn, idn[6:14]+idn[14:])
		e.send("POST", "/persons", url.Values{"q": {idn}})
		e.send("GET", "/persons?q="+idn, nil)
		e.send("GET", "/persons/"+idn, nil)
		for _, path := range []string{"/api/v1/persons/search", "/api/v1/settle/persons/find"} {
			req = httptest.NewRequest("POST", path, strings.NewReader(`{"id_number":"`+idn+`","q":"`+idn+`","certno":"`+idn+`"}`))
			req.Header.Set("Authorization", "Bearer "+token[1])
			req.Header.Set("Content-Type", "application/json")
			e.app.Handler.ServeHTTP(httptest.NewRecorder(), req)
		}
		// An institution: its secret, a rotation, signed HIS calls (good and bad).
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		key, _ := institution.NewKey(b)
		inst := institution.New(d, institution.Options{Key: key})
		in, cred, err := inst.Create(sys, institution.Input{Code: "H52022200001", Name: "红果镇卫生院", Level: institution.Township,
			AreaID: town.ID, InCounty: true, Agreement: true, Networked: true})
		if err != nil {
			t.Fatal(err)
		}
		cred2, err := inst.Rotate(sys, in.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, cred.Secret, cred2.Secret)
		hisLog := slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		h := httpx.Wrap(his.New(his.Config{DB: d, Key: key, Log: hisLog}), hisLog)
		for _, secret := range []string{cred2.Secret, strings.Repeat("f", 64)} {
			c := &his.Client{Code: cred.Code, PaasID: cred2.PaasID, Secret: secret}
			for _, call := range []struct{ infno, input string }{
				{"1101", `{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"` + idn + `","certno":"` + idn + `","psn_cert_type":"01"}}`},
				{"2201", `{"data":{"psn_no":"1","begntime":"bad","mdtrt_cert_no":"` + idn + `"}}`},
				{"9999", `{}`},
			} {
				body := []byte(`{"infno":"` + call.infno + `","msgid":"` + cred.Code + strconv.FormatInt(time.Now().UnixNano()%1e14, 10) +
					`","fixmedins_code":"` + cred.Code + `","input":` + call.input + `}`)
				req := httptest.NewRequest("POST", his.Prefix+"/callService", bytes.NewReader(body))
				req.Header = c.Headers()
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
		logText := e.log.String()
		if !strings.Contains(logText, `"msg":"http"`) || !strings.Contains(logText, "callService") || !strings.Contains(logText, "/api/v1/persons/search") {
			t.Fatalf("nothing logged? %.500s", logText)
		}
		for _, s := range secrets {
			if strings.Contains(logText, s) {
				i := strings.Index(logText, s)
				t.Errorf("secret %.6s… in the log: …%s…", s, logText[max(0, i-200):min(len(logText), i+60)])
			}
		}
	})
}
