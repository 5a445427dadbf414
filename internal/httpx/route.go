// Package httpx is the HTTP plumbing shared by the console (internal/web)
// and the JSON API (internal/api): a route table in which every route
// declares its method and pattern, the roles allowed (or Public) and a scope
// rule; authentication by session cookie or Bearer token before any handler
// runs; CSRF protection for cookie-authenticated unsafe requests; security
// headers, request logging without personal data, panic recovery, body
// limits; and the mapping of apperr kinds to HTTP statuses and the JSON
// error body.
package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/auth"
)

// HandlerFunc handles a request and returns an error for the router to
// answer: an *apperr.Error becomes its status and message, anything else a
// logged 500 without details.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ScopeRule says what scope a route's caller must have. The zero value is
// invalid, so a route cannot be added without choosing one.
type ScopeRule int

// The scope rules.
const (
	_ ScopeRule = iota
	// ScopePublic: a public route; no caller is required.
	ScopePublic
	// ScopeOwn: any scope; the service filters every record by the caller's
	// scope and answers "not found" for records outside it.
	ScopeOwn
	// ScopeArea: the caller must work in an area subtree (not an institution).
	ScopeArea
	// ScopeCounty: the caller's scope must be the whole county.
	ScopeCounty
	// ScopeInstitution: the caller must be bound to one institution.
	ScopeInstitution
)

// String names the rule (for route listings and test messages).
func (s ScopeRule) String() string {
	switch s {
	case ScopePublic:
		return "public"
	case ScopeOwn:
		return "own"
	case ScopeArea:
		return "area"
	case ScopeCounty:
		return "county"
	case ScopeInstitution:
		return "institution"
	}
	return fmt.Sprintf("invalid(%d)", int(s))
}

// Allows reports whether scope sc satisfies the rule.
func (s ScopeRule) Allows(sc access.Scope) bool {
	switch s {
	case ScopePublic, ScopeOwn:
		return true
	case ScopeArea:
		return sc.AreaPath != "" && !sc.IsInstitution()
	case ScopeCounty:
		return sc.AreaPath == "/" || (strings.Count(sc.AreaPath, "/") == 2 && !sc.IsInstitution())
	case ScopeInstitution:
		return sc.IsInstitution()
	}
	return false
}

// AnyRole allows every authenticated user, whatever the role.
var AnyRole = append([]access.Role(nil), access.Roles...)

// Route is one endpoint. Every route names its roles (or is Public) and a
// scope rule; Router.Add panics on a route that does not.
type Route struct {
	Method  string        // "GET", "POST", "PUT", "PATCH", "DELETE"
	Pattern string        // net/http pattern below the router's prefix: "/users/{id}"
	Public  bool          // no login needed (login page, static files)
	Roles   []access.Role // who may call it (AnyRole for every logged-in user)
	Scope   ScopeRule     // what scope the caller needs
	Handler HandlerFunc
	// MaxBody limits the request body (default 1 MiB; uploads raise it).
	MaxBody int64
	// AllowMustChange keeps the route reachable while the user must change
	// a password set by an administrator (the password page, logout, /me).
	AllowMustChange bool
	// NoCSRF exempts an unsafe console route from the CSRF check. Only for
	// routes that change nothing a forged request could exploit.
	NoCSRF bool
}

// Validate reports what is wrong with a route's declaration, or nil.
func (rt Route) Validate() error {
	switch {
	case rt.Method == "" || rt.Pattern == "" || !strings.HasPrefix(rt.Pattern, "/"):
		return fmt.Errorf("route %q %q: method and pattern (starting with /) are required", rt.Method, rt.Pattern)
	case rt.Handler == nil:
		return fmt.Errorf("route %s %s: no handler", rt.Method, rt.Pattern)
	case rt.Public && (len(rt.Roles) > 0 || rt.Scope != ScopePublic):
		return fmt.Errorf("route %s %s: a public route has no roles and Scope ScopePublic", rt.Method, rt.Pattern)
	case !rt.Public && len(rt.Roles) == 0:
		return fmt.Errorf("route %s %s: no role rule (set Roles, or Public)", rt.Method, rt.Pattern)
	case !rt.Public && (rt.Scope < ScopeOwn || rt.Scope > ScopeInstitution):
		return fmt.Errorf("route %s %s: no scope rule (set Scope)", rt.Method, rt.Pattern)
	}
	for _, r := range rt.Roles {
		if !r.Valid() {
			return fmt.Errorf("route %s %s: unknown role %q", rt.Method, rt.Pattern, r)
		}
	}
	return nil
}

// Permits reports whether actor a passes the route's role and scope rules.
func (rt Route) Permits(a access.Actor) bool {
	if rt.Public {
		return true
	}
	return a.Can(rt.Roles...) && rt.Scope.Allows(a.Scope)
}

// Mode says how a router authenticates and answers refusals.
type Mode int

// The two modes.
const (
	Console Mode = iota + 1 // session cookie; anonymous GETs go to the login page; CSRF on forms
	API                     // Bearer token or session cookie; JSON errors
)

// Config configures a Router.
type Config struct {
	Mode   Mode
	Prefix string // "" for the console, "/api/v1" for the API
	Auth   *auth.Service
	Log    *slog.Logger
	// LoginPath receives anonymous console GETs (default "/login").
	LoginPath string
	// PasswordPath receives users who must change their password (console).
	PasswordPath string
	// OnError answers a refused or failed request. The default writes the
	// JSON error body; the console renders an HTML page.
	OnError func(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error)
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
}

// Router is a route table served through http.ServeMux.
type Router struct {
	cfg    Config
	mux    *http.ServeMux
	routes []Route
}

// NewRouter returns an empty router.
func NewRouter(cfg Config) *Router {
	if cfg.LoginPath == "" {
		cfg.LoginPath = "/login"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.OnError == nil {
		cfg.OnError = WriteError
	}
	rt := &Router{cfg: cfg, mux: http.NewServeMux()}
	rt.mux.Handle(cfg.Prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.cfg.OnError(w, r, http.StatusNotFound, errNoRoute)
	}))
	return rt
}

var errNoRoute = apperr.New(apperr.NotFound, "not_found", "页面不存在", "no such page")

// Add adds routes. It panics on a route without a role or scope rule, or
// whose pattern is taken, so that a forgotten rule fails at start and in
// every test.
func (rt *Router) Add(routes ...Route) {
	for _, r := range routes {
		if err := r.Validate(); err != nil {
			panic("httpx: " + err.Error())
		}
		rt.routes = append(rt.routes, r)
		rt.mux.Handle(r.Method+" "+rt.cfg.Prefix+r.Pattern, rt.wrap(r))
	}
}

// Routes returns the route table (patterns without the prefix).
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// Prefix returns the router's path prefix.
func (rt *Router) Prefix() string { return rt.cfg.Prefix }

// Allows reports whether actor a may call the route with this method and
// pattern (used to show only the navigation an actor can follow).
func (rt *Router) Allows(a access.Actor, method, pattern string) bool {
	for _, r := range rt.routes {
		if r.Method == method && r.Pattern == pattern {
			return r.Permits(a)
		}
	}
	return false
}

// ServeHTTP serves the route table.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
