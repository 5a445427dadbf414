package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/server"
	"ncms/internal/setup"
)

// apiEnv is the whole app on a fresh initialized database.
type apiEnv struct {
	t   *testing.T
	srv *httptest.Server
	app *server.App
}

func newEnv(t *testing.T, d *db.DB) *apiEnv {
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	if _, err := setup.Initialize(context.Background(), d, setup.Input{CountyCode: "520222", CountyName: "盘县",
		AdminPassword: "admin-pass-1", Auth: opts}); err != nil {
		t.Fatal(err)
	}
	app := server.New(d, nil, server.Options{Auth: opts})
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, srv: srv, app: app}
}

// call sends a JSON request with a bearer token and decodes the answer.
func (e *apiEnv) call(method, path, token, body string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

// adminToken logs in as admin and creates an API token through the API
// itself, authenticated by the session cookie with its CSRF header.
func (e *apiEnv) adminToken() string {
	e.t.Helper()
	sess, _, err := e.app.Auth.Login(context.Background(), "admin", "admin-pass-1", "127.0.0.1", "")
	if err != nil {
		e.t.Fatal(err)
	}
	post := func(csrf string) *http.Response {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tokens", strings.NewReader(`{"name":"ci"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "ncms_session", Value: sess})
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		return res
	}
	if res := post(""); res.StatusCode != http.StatusForbidden {
		e.t.Fatalf("cookie POST without CSRF header: %d", res.StatusCode)
	}
	res := post(auth.CSRFToken(sess))
	defer res.Body.Close()
	var out struct{ Secret string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		e.t.Fatalf("create token: %d %v", res.StatusCode, err)
	}
	return out.Secret
}

func TestAccountsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var errBody struct {
			Error struct {
				Code   string
				Fields []struct{ Field string }
			}
		}
		if st := e.call("GET", "/api/v1/me", "", "", &errBody); st != 401 || errBody.Error.Code != "not_authenticated" {
			t.Fatalf("anonymous /me: %d %+v", st, errBody)
		}
		tok := e.adminToken()
		var me struct {
			Username, Role, Via string
			AreaName            string `json:"area_name"`
		}
		if st := e.call("GET", "/api/v1/me", tok, "", &me); st != 200 || me.Role != "admin" || me.Via != "token" || me.AreaName != "盘县" {
			t.Fatalf("/me: %d %+v", st, me)
		}
		// Validation errors list every field.
		errBody.Error.Fields = nil
		st := e.call("POST", "/api/v1/users", tok, `{"username":"X","role":"enrollment"}`, &errBody)
		if st != 422 || len(errBody.Error.Fields) != 3 {
			t.Fatalf("invalid user: %d %+v", st, errBody)
		}
		if st := e.call("POST", "/api/v1/users", tok, `{"username":"x","bogus":1}`, &errBody); st != 400 || errBody.Error.Code != "malformed" {
			t.Fatalf("unknown field: %d %+v", st, errBody)
		}
		var created struct {
			User struct {
				ID                 int64
				MustChangePassword bool `json:"must_change_password"`
			}
			Password string
		}
		st = e.call("POST", "/api/v1/users", tok, `{"username":"aud","display_name":"审计","role":"auditor","area_id":1}`, &created)
		if st != 201 || len(created.Password) != 16 || !created.User.MustChangePassword {
			t.Fatalf("create: %d %+v", st, created)
		}
		var list struct{ Total int }
		if st := e.call("GET", "/api/v1/users?role=auditor", tok, "", &list); st != 200 || list.Total != 1 {
			t.Fatalf("list: %d %+v", st, list)
		}
		// The new user must change the password before anything but /me.
		sess, _, err := e.app.Auth.Login(context.Background(), "aud", created.Password, "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/users", nil)
		req.AddCookie(&http.Cookie{Name: "ncms_session", Value: sess})
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 403 {
			t.Fatalf("before the password change: %v %v", res.StatusCode, err)
		}
		res.Body.Close()
		// Disable: 200 and the user shows as disabled.
		var u struct{ Disabled bool }
		if st := e.call("POST", "/api/v1/users/2/disable", tok, "", &u); st != 200 || !u.Disabled {
			t.Fatalf("disable: %d %+v", st, u)
		}
		if st := e.call("GET", "/api/v1/users/99", tok, "", nil); st != 404 {
			t.Fatalf("unknown user: %d", st)
		}
		// Revoke the token: it stops working.
		var toks struct{ Tokens []struct{ ID int64 } }
		if st := e.call("GET", "/api/v1/tokens", tok, "", &toks); st != 200 || len(toks.Tokens) != 1 {
			t.Fatalf("tokens: %d %+v", st, toks)
		}
		if st := e.call("DELETE", "/api/v1/tokens/1", tok, "", nil); st != 204 {
			t.Fatalf("revoke: %d", st)
		}
		if st := e.call("GET", "/api/v1/me", tok, "", nil); st != 401 {
			t.Fatalf("revoked token: %d", st)
		}
	})
}
