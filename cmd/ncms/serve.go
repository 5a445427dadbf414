package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"ncms/internal/db"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("serve", stderr)
	addr := fs.String("addr", envOr("NCMS_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env NCMS_ADDR)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(stderr)
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "ncms serve: %v\n", err)
		return 1
	}
	srv := &http.Server{
		Handler:           newHandler(d, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("ncms serving", "addr", "http://"+ln.Addr().String(), "db", d.Redacted(), "dialect", d.Dialect().String())
	fmt.Fprintf(stdout, "ncms: listening on http://%s\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln, log)
}

// serveUntilDone serves until ctx ends (SIGINT/SIGTERM), then shuts down
// gracefully, letting requests in flight finish for up to 30 s.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) int {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// newHandler assembles the whole HTTP surface (internal/server): health
// check, console, API; and the HIS interface (internal/his) at his.Prefix.
func newHandler(d *db.DB, log *slog.Logger) http.Handler {
	app := server.New(d, log, server.Options{SecureCookies: os.Getenv("NCMS_SECURE_COOKIES") == "1"})
	key, err := institution.LoadKeyFor(d)
	if err != nil {
		log.Error("HIS interface: no installation key; signatures cannot be verified", "err", err)
	}
	mux := http.NewServeMux()
	mux.Handle(his.Prefix+"/", httpx.Wrap(his.New(his.Config{DB: d, Log: log, Key: key}), log))
	mux.Handle("/", app.Handler)
	return mux
}
