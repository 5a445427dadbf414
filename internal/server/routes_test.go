package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db/dbtest"
	"ncms/internal/httpx"
	"ncms/internal/setup"
)

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// concrete turns a route pattern into a path that matches it.
func concrete(pattern string) string {
	return wildcard.ReplaceAllStringFunc(pattern, func(w string) string {
		if w == "{$}" {
			return ""
		}
		return "1"
	})
}

// TestEveryRouteDeclaresItsRules walks the whole route table, console and
// API, including routes added later by other areas of the console.
func TestEveryRouteDeclaresItsRules(t *testing.T) {
	app := New(dbtest.SQLite(t), nil, Options{})
	routes := app.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes: is the table wired?", len(routes))
	}
	for _, r := range routes {
		if err := r.Validate(); err != nil {
			t.Errorf("%s %s: %v", r.Method, r.Path, err)
		}
		// The public notice board and the participant's own lookup
		// (internal/web/public.go, SPEC §11) live under /public/.
		if r.Public && (r.API || !strings.HasPrefix(r.Path, "/static/") && !strings.HasPrefix(r.Path, "/public/") && r.Path != "/login") {
			t.Errorf("%s %s is public: only the login page, static files and /public/ may be", r.Method, r.Path)
		}
	}
}

// TestAnonymousIsRefusedEverywhere sends an anonymous request to every
// non-public route: the console sends GETs to the login page and refuses
// the rest with 401; the API answers 401 with the JSON error body.
func TestAnonymousIsRefusedEverywhere(t *testing.T) {
	app := New(dbtest.SQLite(t), nil, Options{})
	for _, r := range app.Routes() {
		if r.Public {
			continue
		}
		path := concrete(r.Path)
		req := httptest.NewRequest(r.Method, path, strings.NewReader("{}"))
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, req)
		switch {
		case r.API && rec.Code == http.StatusUnauthorized && strings.Contains(rec.Body.String(), `"code":"not_authenticated"`):
		case !r.API && r.Method == "GET" && rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login?next="):
		case !r.API && r.Method != "GET" && rec.Code == http.StatusUnauthorized:
		default:
			t.Errorf("anonymous %s %s: %d %s", r.Method, path, rec.Code, rec.Header().Get("Location"))
		}
	}
}

// TestRolesAreEnforcedBeforeHandlers logs in as a participant (a role
// admitted almost nowhere) and calls every route that does not admit it:
// each must answer 403 before its handler runs.
func TestRolesAreEnforcedBeforeHandlers(t *testing.T) {
	d := dbtest.SQLite(t)
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	ctx := context.Background()
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县", AdminPassword: "admin-pass-1", Auth: opts}); err != nil {
		t.Fatal(err)
	}
	app := New(d, nil, Options{Auth: opts})
	sys := access.WithActor(ctx, access.System("test"))
	if _, _, err := app.Auth.CreateUser(sys, auth.UserInput{Username: "farmer", DisplayName: "农民",
		Role: access.Participant, AreaID: 1, Password: "farmer-pass-1"}); err != nil {
		t.Fatal(err)
	}
	session, p, err := app.Auth.Login(ctx, "farmer", "farmer-pass-1", "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := app.Auth.CreateToken(access.WithActor(ctx, p.Actor), "t", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range app.Routes() {
		if r.Public || r.Permits(p.Actor) {
			continue
		}
		req := httptest.NewRequest(r.Method, concrete(r.Path), strings.NewReader("{}"))
		if r.API {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: session})
			req.Header.Set(httpx.CSRFHeader, auth.CSRFToken(session))
		}
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("participant %s %s: %d, want 403", r.Method, r.Path, rec.Code)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d routes checked", checked)
	}
}
