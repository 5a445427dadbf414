package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

func TestLoginLogoutAndLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		c := a.client(t)
		r := c.get("/")
		if r.Status != http.StatusSeeOther || r.Location != "/login?next=%2F" {
			t.Fatalf("anonymous home: %d %q", r.Status, r.Location)
		}
		r = c.get("/static/app.css")
		if r.Status != 200 || r.Header.Get("Set-Cookie") != "" || !strings.Contains(r.Header.Get("Cache-Control"), "public") {
			t.Fatalf("static file: %d %v", r.Status, r.Header)
		}
		if r = c.get("/login"); !strings.Contains(r.Header.Get("Set-Cookie"), "ncms_csrf=") {
			t.Fatalf("login page sets no CSRF cookie: %v", r.Header)
		}
		r = c.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "用户名或密码错误") {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		if !strings.Contains(r.Body, `value="admin"`) {
			t.Error("the username is not kept in the form")
		}
		// Without the CSRF token the login form is refused.
		r = c.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPW}, "csrf_token": {"forged"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("forged CSRF token: %d", r.Status)
		}
		r = c.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPW}, "next": {"/admin/users"}})
		if r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
			t.Fatalf("login: %d %q", r.Status, r.Location)
		}
		r = c.get("/")
		if r.Status != 200 || !strings.Contains(r.Body, "欢迎") || !strings.Contains(r.Body, "盘县") {
			t.Fatalf("home: %d %s", r.Status, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("headers: %v", r.Header)
		}
		r = c.get("/?lang=en")
		if !strings.Contains(r.Body, "Welcome") || !strings.Contains(r.Body, `lang="en"`) {
			t.Fatalf("English: %s", r.Body)
		}
		if r = c.get("/"); !strings.Contains(r.Body, "Welcome") {
			t.Error("the language is not remembered")
		}
		// Logout needs the CSRF token, then ends the session.
		if r = c.post("/logout", url.Values{"csrf_token": {"x"}}); r.Status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", r.Status)
		}
		if r = c.post("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if r = c.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("after logout: %d", r.Status)
		}
	})
}

var secretRE = regexp.MustCompile(`<span class="secret" id="secret">([^<]+)</span>`)

func TestUsersAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		r := admin.get("/admin/users/new")
		if r.Status != 200 || !strings.Contains(r.Body, "盘县 (520222)") {
			t.Fatalf("new user form: %d %s", r.Status, r.Body)
		}
		// Field errors are shown next to their fields, values kept.
		r = admin.post("/admin/users", url.Values{"username": {"X"}, "display_name": {"王芳"}, "role": {"enrollment"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "用户名须为") ||
			!strings.Contains(r.Body, "请选择管辖地区") || !strings.Contains(r.Body, `value="王芳"`) {
			t.Fatalf("invalid user: %d %s", r.Status, r.Body)
		}
		r = admin.post("/admin/users", url.Values{"username": {"clerk1"}, "display_name": {"王芳"},
			"role": {"enrollment"}, "area_id": {"1"}})
		m := secretRE.FindStringSubmatch(r.Body)
		if r.Status != http.StatusCreated || m == nil {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		// The new clerk must change the generated password first.
		clerk := a.client(t)
		clerk.get("/login")
		r = clerk.post("/login", url.Values{"username": {"clerk1"}, "password": {m[1]}})
		if r.Status != http.StatusSeeOther || r.Location != "/password" {
			t.Fatalf("clerk login: %d %q", r.Status, r.Location)
		}
		if r = clerk.get("/"); r.Status != http.StatusSeeOther || r.Location != "/password" {
			t.Fatalf("before changing: %d %q", r.Status, r.Location)
		}
		r = clerk.post("/password", url.Values{"old_password": {m[1]}, "new_password": {"clerk-pass-2"}, "confirm_password": {"clerk-pass-2"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", r.Status, r.Body)
		}
		// A clerk may not see the users admin; the menu does not offer it.
		if r = clerk.get("/admin/users"); r.Status != http.StatusForbidden {
			t.Fatalf("clerk on users admin: %d", r.Status)
		}
		if r = clerk.get("/"); strings.Contains(r.Body, `href="/admin/users"`) || !strings.Contains(r.Body, `href="/tokens"`) {
			t.Errorf("clerk menu: %s", r.Body)
		}
		// The list, its filter and its Excel export.
		r = admin.get("/admin/users?role=enrollment")
		if !strings.Contains(r.Body, "clerk1") || strings.Contains(r.Body, ">admin<") {
			t.Fatalf("filtered list: %s", r.Body)
		}
		r = admin.get("/admin/users?format=xlsx")
		if r.Status != 200 || !strings.HasPrefix(r.Body, "PK") {
			t.Fatalf("xlsx: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		// Disable: the clerk's session ends.
		clerkID := userID(t, a, "clerk1")
		if r = admin.post("/admin/users/"+clerkID+"/disable", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		if r = clerk.get("/tokens"); r.Status != http.StatusSeeOther {
			t.Fatalf("disabled clerk still in: %d", r.Status)
		}
		if r = admin.get("/audit"); !strings.Contains(r.Body, "user.disable") || !strings.Contains(r.Body, "user.create") {
			t.Fatalf("audit page: %s", r.Body)
		}
	})
}

func userID(t *testing.T, a *testApp, username string) string {
	t.Helper()
	var id string
	if err := a.d.QueryRowContext(t.Context(), `SELECT CAST(id AS TEXT) FROM users WHERE username = ?`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTokensPageAndScopeRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "auditor1", access.Auditor, a.county)
		aud := a.client(t).login("auditor1", "user-pass-1")
		if r := aud.get("/audit"); r.Status != 200 {
			t.Fatalf("auditor on audit: %d", r.Status)
		}
		if r := aud.get("/admin/users"); r.Status != 200 || strings.Contains(r.Body, `id="new-user"`) {
			t.Fatalf("auditor users list: %d", r.Status)
		}
		if r := aud.post("/admin/users", url.Values{"username": {"zzz"}}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor creating a user: %d", r.Status)
		}
		r := aud.post("/tokens", url.Values{"name": {"nightly"}})
		m := secretRE.FindStringSubmatch(r.Body)
		if r.Status != http.StatusCreated || m == nil || !strings.HasPrefix(m[1], "ncms_") {
			t.Fatalf("create token: %d %s", r.Status, r.Body)
		}
		if r = aud.get("/tokens"); strings.Contains(r.Body, m[1]) || !strings.Contains(r.Body, "nightly") {
			t.Fatal("the secret is shown again, or the token is not listed")
		}
		if r = aud.post("/tokens", url.Values{"name": {"nightly"}}); r.Status != http.StatusConflict && r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("duplicate name: %d", r.Status)
		}
		if r = aud.get("/admin/users/999"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown user: %d", r.Status)
		}
		if r = aud.get("/no/such/page"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "页面不存在") {
			t.Fatalf("unknown page: %d", r.Status)
		}
	})
}
