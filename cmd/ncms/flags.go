package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"ncms/internal/db"
)

// newFlags returns a FlagSet that writes its usage to stderr and carries the
// common --db flag (env NCMS_DB, default sqlite:./ncms-data/ncms.db).
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("ncms "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", envOr("NCMS_DB", db.DefaultDSN), "database: sqlite:PATH or postgres://... (env NCMS_DB)")
	return fs, dsn
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// openDB opens and migrates the database, printing a clear error on failure.
func openDB(ctx context.Context, dsn string, stderr io.Writer) (*db.DB, bool) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintf(stderr, "ncms: %v\n", err)
		return nil, false
	}
	return d, true
}

// newLogger returns the structured logger commands use (JSON when
// NCMS_LOG_FORMAT=json, text otherwise).
func newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if os.Getenv("NCMS_LOG_LEVEL") == "debug" {
		opts.Level = slog.LevelDebug
	}
	if os.Getenv("NCMS_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
