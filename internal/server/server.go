// Package server assembles the whole HTTP surface of ncms over one
// database: the health check, the web console at "/", the JSON API at
// "/api/v1/", wrapped in the common middleware of internal/httpx. `ncms
// serve` uses it, and so do the integration and browser tests.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"ncms/internal/api"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/httpx"
	"ncms/internal/web"
)

// Options configure the server. The zero value is the production setup.
type Options struct {
	Auth          auth.Options  // account options (tests lower the bcrypt cost)
	SecureCookies bool          // mark cookies Secure (behind HTTPS)
	Banner        func() string // optional text at the top of every console page (web.Config.Banner)
}

// App is the assembled handler and the route tables behind it.
type App struct {
	Handler http.Handler
	Auth    *auth.Service
	Console *web.Console
	API     *api.API
}

// New wires the services and the adapters over d.
func New(d *db.DB, log *slog.Logger, opt Options) *App {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	authSvc := auth.New(d, opt.Auth)
	con := web.New(web.Config{DB: d, Auth: authSvc, Log: log, SecureCookies: opt.SecureCookies, Banner: opt.Banner})
	jsonAPI := api.New(api.Config{DB: d, Auth: authSvc, Log: log})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", Healthz(d))
	mux.Handle(api.Prefix+"/", jsonAPI)
	mux.Handle("/", con)
	return &App{Handler: httpx.Wrap(mux, log), Auth: authSvc, Console: con, API: jsonAPI}
}

// Routes lists every route of the console and the API with its full
// pattern (the API's prefixed), for the tests that walk them.
func (a *App) Routes() []FullRoute {
	var out []FullRoute
	for _, r := range a.Console.Routes() {
		out = append(out, FullRoute{Route: r, Path: r.Pattern, API: false})
	}
	for _, r := range a.API.Routes() {
		out = append(out, FullRoute{Route: r, Path: api.Prefix + r.Pattern, API: true})
	}
	return out
}

// FullRoute is a route with its mounted path.
type FullRoute struct {
	httpx.Route
	Path string // the pattern as mounted ("/api/v1/users/{id}")
	API  bool
}

// Healthz answers 200 when the database answers within 2 s, 503 otherwise.
func Healthz(d *db.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err := d.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"status":"unavailable","db":%q}`+"\n", d.Dialect().String())
			return
		}
		fmt.Fprintf(w, `{"status":"ok","db":%q}`+"\n", d.Dialect().String())
	}
}
