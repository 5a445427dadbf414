package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/money"
)

func ok(w http.ResponseWriter, r *http.Request) error { return nil }

func TestRouteValidate(t *testing.T) {
	admin := []access.Role{access.Admin}
	for _, c := range []struct {
		r     Route
		valid bool
	}{
		{Route{Method: "GET", Pattern: "/x", Roles: admin, Scope: ScopeOwn, Handler: ok}, true},
		{Route{Method: "GET", Pattern: "/x", Public: true, Scope: ScopePublic, Handler: ok}, true},
		{Route{Method: "GET", Pattern: "/x", Scope: ScopeOwn, Handler: ok}, false},                                // no roles
		{Route{Method: "GET", Pattern: "/x", Roles: admin, Handler: ok}, false},                                   // no scope
		{Route{Method: "GET", Pattern: "/x", Roles: admin, Scope: ScopePublic, Handler: ok}, false},               // public scope on a private route
		{Route{Method: "GET", Pattern: "/x", Public: true, Roles: admin, Scope: ScopePublic, Handler: ok}, false}, // public with roles
		{Route{Method: "GET", Pattern: "/x", Public: true, Handler: ok}, false},                                   // public without ScopePublic
		{Route{Method: "GET", Pattern: "/x", Roles: []access.Role{"boss"}, Scope: ScopeOwn, Handler: ok}, false},
		{Route{Method: "GET", Pattern: "x", Roles: admin, Scope: ScopeOwn, Handler: ok}, false},
		{Route{Method: "GET", Pattern: "/x", Roles: admin, Scope: ScopeOwn}, false},
		{Route{Pattern: "/x", Roles: admin, Scope: ScopeOwn, Handler: ok}, false},
	} {
		if err := c.r.Validate(); (err == nil) != c.valid {
			t.Errorf("%+v: Validate() = %v", c.r, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Add accepted a route without rules")
		}
	}()
	NewRouter(Config{Mode: API}).Add(Route{Method: "GET", Pattern: "/x", Handler: ok})
}

func TestScopeRules(t *testing.T) {
	county := access.Scope{AreaID: 1, AreaPath: "/1/"}
	town := access.Scope{AreaID: 5, AreaPath: "/1/5/"}
	inst := access.Scope{InstitutionID: 9}
	for _, c := range []struct {
		rule             ScopeRule
		county, town, in bool
	}{
		{ScopeOwn, true, true, true},
		{ScopeArea, true, true, false},
		{ScopeCounty, true, false, false},
		{ScopeInstitution, false, false, true},
		{ScopeRule(0), false, false, false},
	} {
		if c.rule.Allows(county) != c.county || c.rule.Allows(town) != c.town || c.rule.Allows(inst) != c.in {
			t.Errorf("%v: county %v town %v institution %v", c.rule, c.rule.Allows(county), c.rule.Allows(town), c.rule.Allows(inst))
		}
	}
	if !ScopeCounty.Allows(access.System("x").Scope) {
		t.Error("the system actor is county-wide")
	}
}

func TestStatusMapping(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{apperr.Field("x", "bad", "错", "bad"), 422},
		{apperr.New(apperr.Invalid, "malformed", "错", "bad"), 400},
		{apperr.NotFoundf("x"), 404},
		{apperr.New(apperr.Conflict, "c", "", ""), 409},
		{apperr.New(apperr.Forbidden, "f", "", ""), 403},
		{apperr.New(apperr.Unauthenticated, "u", "", ""), 401},
		{apperr.New(apperr.Unauthenticated, "rate_limited", "", ""), 429},
		{apperr.New(apperr.TooLarge, "t", "", ""), 413},
		{fmt.Errorf("wrapped: %w", apperr.NotFoundf("x")), 404},
		{&http.MaxBytesError{Limit: 1}, 413},
		{errors.New("disk on fire"), 500},
	} {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// serve runs one request through Wrap and a public API route.
func serve(t *testing.T, h HandlerFunc, req *http.Request, maxBody int64) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rt := NewRouter(Config{Mode: API, Prefix: "/api/v1", Log: log})
	rt.Add(Route{Method: req.Method, Pattern: "/x/{id}", Public: true, Scope: ScopePublic, Handler: h, MaxBody: maxBody})
	rec := httptest.NewRecorder()
	Wrap(rt, log).ServeHTTP(rec, req)
	return rec, logs.String()
}

func TestErrorsPanicsAndLogs(t *testing.T) {
	const idNumber = "520222199001011234"
	// A user error: its status and the JSON error body with fields.
	rec, _ := serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return apperr.Fields([]apperr.FieldError{{Field: "name", Code: "required", Zh: "必填", En: "required"}})
	}, httptest.NewRequest("POST", "/api/v1/x/1", nil), 0)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"fields":[{"field":"name","code":"required","message_zh":"必填"`) {
		t.Errorf("user error: %d %s", rec.Code, rec.Body)
	}
	// An internal error: 500 without details; the log has it with the request id.
	rec, logs := serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("pq: secret table exploded")
	}, httptest.NewRequest("GET", "/api/v1/x/"+idNumber+"?id_number="+idNumber, nil), 0)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "exploded") || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Errorf("internal error: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs, "exploded") || !strings.Contains(logs, rec.Header().Get("X-Request-ID")) {
		t.Errorf("internal error not logged with the request id: %s", logs)
	}
	if strings.Contains(logs, idNumber) || strings.Contains(logs, "id_number") {
		t.Errorf("the log holds an ID number or the query: %s", logs)
	}
	// A panic: 500, no stack to the client, the server goes on.
	rec, logs = serve(t, func(w http.ResponseWriter, r *http.Request) error {
		panic("nil map")
	}, httptest.NewRequest("GET", "/api/v1/x/1", nil), 0)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "nil map") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("panic: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs, "panic") {
		t.Errorf("panic not logged: %s", logs)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
	// A body over the route's limit.
	rec, _ = serve(t, func(w http.ResponseWriter, r *http.Request) error {
		var v map[string]any
		return ReadJSON(r, &v)
	}, httptest.NewRequest("POST", "/api/v1/x/1", strings.NewReader(`{"a":"`+strings.Repeat("x", 200)+`"}`)), 100)
	if rec.Code != 413 {
		t.Errorf("large body: %d %s", rec.Code, rec.Body)
	}
	// Unknown fields and trailing data are malformed.
	for _, body := range []string{`{"a":1}`, `{} {}`, `not json`} {
		rec, _ = serve(t, func(w http.ResponseWriter, r *http.Request) error {
			var v struct{ B int }
			return ReadJSON(r, &v)
		}, httptest.NewRequest("POST", "/api/v1/x/1", strings.NewReader(body)), 0)
		if rec.Code != 400 {
			t.Errorf("body %q: %d", body, rec.Code)
		}
	}
	// A well-formed body with one bad value names that field (422).
	type amountIn struct {
		Amount money.Fen `json:"amount"`
		Count  int       `json:"count"`
	}
	for body, field := range map[string]string{`{"amount":"1.234"}`: "amount", `{"amount":"1.00","count":"x"}`: "count"} {
		rec, _ = serve(t, func(w http.ResponseWriter, r *http.Request) error {
			var v amountIn
			return ReadJSON(r, &v)
		}, httptest.NewRequest("POST", "/api/v1/x/1", strings.NewReader(body)), 0)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"`+field+`"`) {
			t.Errorf("body %s: %d %s, want 422 naming %s", body, rec.Code, rec.Body, field)
		}
	}
	// An unknown path below the prefix is a JSON 404.
	rec, _ = serve(t, ok, httptest.NewRequest("GET", "/api/v1/nothing", nil), 0)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("unknown path: %d %s", rec.Code, rec.Body)
	}
}

func TestCSRFOrigin(t *testing.T) {
	req := httptest.NewRequest("POST", "http://ncms.local/x", nil)
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set(CSRFHeader, "tok")
	if checkCSRF(req, "tok") == nil {
		t.Error("a foreign Origin passed")
	}
	req.Header.Set("Origin", "http://ncms.local")
	if err := checkCSRF(req, "tok"); err != nil {
		t.Errorf("same origin: %v", err)
	}
	req.Header.Set(CSRFHeader, "other")
	if checkCSRF(req, "tok") == nil {
		t.Error("a wrong token passed")
	}
	if checkCSRF(httptest.NewRequest("POST", "/x", nil), "") == nil {
		t.Error("an empty expected token passed")
	}
}
