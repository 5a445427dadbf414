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
	"ncms/internal/institution"
	"ncms/internal/notice"
	"ncms/internal/outbox"
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
		Handler:           newHandler(d, log, nil),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	stopOutbox, err := startOutbox(ctx, d, log)
	if err != nil {
		fmt.Fprintf(stderr, "ncms serve: %v\n", err)
		return 1
	}
	defer stopOutbox()
	log.Info("ncms serving", "addr", "http://"+ln.Addr().String(), "db", d.Redacted(), "dialect", d.Dialect().String())
	fmt.Fprintf(stdout, "ncms: listening on http://%s\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln, log)
}

// startOutbox starts the outbox worker (internal/outbox): every
// NCMS_OUTBOX_EVERY (default 30s) it sweeps new settlements and paid claims
// into "compensation paid" messages and sends the due messages through
// NCMS_OUTBOX_SENDER: "log" (default), "file:PATH" or "webhook:URL" (with
// the bearer token NCMS_OUTBOX_TOKEN). NCMS_OUTBOX_SENDER=off runs no
// worker. The returned function stops it and waits for it.
func startOutbox(ctx context.Context, d *db.DB, log *slog.Logger) (func(), error) {
	spec := os.Getenv("NCMS_OUTBOX_SENDER")
	if spec == "off" {
		return func() {}, nil
	}
	snd, err := outbox.ParseSender(spec, os.Getenv("NCMS_OUTBOX_TOKEN"), log)
	if err != nil {
		return nil, err
	}
	every := 30 * time.Second
	if v := os.Getenv("NCMS_OUTBOX_EVERY"); v != "" {
		if every, err = time.ParseDuration(v); err != nil || every <= 0 {
			return nil, fmt.Errorf("NCMS_OUTBOX_EVERY: %q is not a positive duration", v)
		}
	}
	notices := notice.New(d, nil)
	w := &outbox.Worker{DB: d, Sender: snd, Log: log, Sweeps: []func(context.Context) error{
		func(ctx context.Context) error { _, err := notices.SweepCompensation(ctx); return err },
	}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, every) }()
	log.Info("outbox worker", "sender", snd.Name(), "every", every.String())
	return func() { cancel(); <-done }, nil
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
func newHandler(d *db.DB, log *slog.Logger, banner func() string) http.Handler {
	app := server.New(d, log, server.Options{SecureCookies: os.Getenv("NCMS_SECURE_COOKIES") == "1", Banner: banner})
	key, err := institution.LoadKeyFor(d)
	if err != nil {
		log.Error("HIS interface: no installation key; signatures cannot be verified", "err", err)
	}
	mux := http.NewServeMux()
	mux.Handle(his.Prefix+"/", server.HIS(d, log, key))
	mux.Handle("/", app.Handler)
	return mux
}
