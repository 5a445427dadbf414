package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/httpx"
	"ncms/internal/setup"
)

// testAdminPW is the password of "admin" in a test app.
const testAdminPW = "admin-pass-1"

// testApp is the console on a fresh initialized database (county 盘县 with
// the administrator "admin"), served by httptest. Tests of any console page
// can use it: newTestApp(t, d).client(t).login("admin", testAdminPW).
type testApp struct {
	d      *db.DB
	auth   *auth.Service
	srv    *httptest.Server
	county int64
}

func newTestApp(t *testing.T, d *db.DB) *testApp {
	t.Helper()
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	ctx := context.Background()
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县",
		AdminPassword: testAdminPW, Auth: opts}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	a := &testApp{d: d, auth: auth.New(d, opts)}
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&a.county); err != nil {
		t.Fatal(err)
	}
	con := New(Config{DB: d, Auth: a.auth})
	a.srv = httptest.NewServer(httpx.Wrap(con, slog.New(slog.DiscardHandler)))
	t.Cleanup(a.srv.Close)
	return a
}

// sys is a context with the system actor, for setting up data.
func (a *testApp) sys() context.Context {
	return access.WithActor(context.Background(), access.System("test"))
}

// addUser creates a user with password "user-pass-1" (no forced change).
func (a *testApp) addUser(t *testing.T, username string, role access.Role, areaID int64) auth.User {
	t.Helper()
	u, _, err := a.auth.CreateUser(a.sys(), auth.UserInput{Username: username, DisplayName: username,
		Role: role, AreaID: areaID, Password: "user-pass-1"})
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	return u
}

// client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects, and adds the CSRF token to every POST.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

// resp is an answer: status, body and redirect target.
type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (a *testApp) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: a.srv.URL, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) resp {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// csrf returns the token a form of this client would carry.
func (c *client) csrf() string {
	u, _ := url.Parse(c.base)
	var pre string
	for _, ck := range c.hc.Jar.Cookies(u) {
		switch ck.Name {
		case httpx.SessionCookie:
			return auth.CSRFToken(ck.Value)
		case "ncms_csrf":
			pre = ck.Value
		}
	}
	return pre
}

// post submits a form with the CSRF token.
func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get(httpx.CSRFField) == "" {
		form.Set(httpx.CSRFField, c.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login opens the login page and logs in; it fails the test unless the
// login is accepted.
func (c *client) login(username, password string) *client {
	c.t.Helper()
	c.get("/login")
	r := c.post("/login", url.Values{"username": {username}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", username, r.Status, r.Body)
	}
	return c
}
