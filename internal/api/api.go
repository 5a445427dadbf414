// Package api is the JSON API of ncms under /api/v1/. Scripts authenticate
// with "Authorization: Bearer <API token>"; the console's session cookie also
// works (with the X-CSRF-Token header on unsafe methods). Every route
// declares its roles and scope rule (internal/httpx); errors are the JSON
// body {"error":{"code","message_zh","message_en","fields":[...]}}. See
// docs/api.md.
package api

import (
	"log/slog"
	"net/http"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/httpx"
	"ncms/internal/settle"
	"ncms/internal/supervise"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Config is what the API needs.
type Config struct {
	DB   *db.DB
	Auth *auth.Service
	Log  *slog.Logger
}

// API is the JSON API: its route table and services.
type API struct {
	db     *db.DB
	auth   *auth.Service
	log    *slog.Logger
	router *httpx.Router
	settle *settle.Service // one instance: it caches parsed schemes
}

// New builds the API. It panics if a route lacks its rules.
func New(cfg Config) *API {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a := &API{db: cfg.DB, auth: cfg.Auth, log: cfg.Log, settle: settle.New(cfg.DB, settle.Options{Screen: supervise.New(cfg.DB, supervise.Options{})})}
	a.router = httpx.NewRouter(httpx.Config{Mode: httpx.API, Prefix: Prefix, Auth: cfg.Auth, Log: cfg.Log})
	a.router.Add(a.routes()...)
	return a
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }

// Routes returns the API's route table (patterns below Prefix).
func (a *API) Routes() []httpx.Route { return a.router.Routes() }

var (
	adminOnly    = []access.Role{access.Admin}
	adminAuditor = []access.Role{access.Admin, access.Auditor}
)

// routes is the API's route table; each area lists its routes in its own
// method: add yours here with one line.
func (a *API) routes() []httpx.Route {
	var rs []httpx.Route
	rs = append(rs, a.accountRoutes()...)
	rs = append(rs, a.institutionRoutes()...)
	rs = append(rs, a.catalogRoutes()...)
	rs = append(rs, a.enrollRoutes()...)
	rs = append(rs, a.registryRoutes()...)
	rs = append(rs, a.claimRoutes()...)
	rs = append(rs, a.settleRoutes()...)
	rs = append(rs, a.statementRoutes()...)
	rs = append(rs, a.ledgerRoutes()...)
	rs = append(rs, a.superviseRoutes()...)
	rs = append(rs, a.statsRoutes()...)
	rs = append(rs, a.noticeRoutes()...)
	rs = append(rs, a.complaintRoutes()...)
	return rs
}

// ok writes v as a 200 JSON answer; handlers return its result.
func ok(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// created writes v as a 201 JSON answer.
func created(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

// atoi parses a query number, or returns def.
func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
