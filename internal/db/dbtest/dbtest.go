// Package dbtest runs a test body against a fresh SQLite database and a fresh
// PostgreSQL database, both migrated, so every service is tested on the two
// engines it ships on.
//
// PostgreSQL is found at $NCMS_TEST_PG (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each test gets its
// own database, created from that server and dropped afterwards. When the
// server cannot be reached the PostgreSQL half is skipped with a message
// saying how to enable it — unless CI=true or NCMS_TEST_PG_REQUIRED=1, when it
// fails instead: CI never silently skips a suite.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ncms/internal/db"
)

// DefaultPG is the server the PostgreSQL half uses when NCMS_TEST_PG is unset.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	counter  atomic.Int64
	pgOnce   sync.Once
	pgErr    error
	pgBase   string
	runStamp = fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
)

// Each runs body twice, as subtests "sqlite" and "postgres", each with a new,
// migrated database that is closed (and for PostgreSQL dropped) afterwards.
func Each(t *testing.T, body func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { body(t, Postgres(t)) })
}

// SQLite returns a fresh migrated SQLite database in t's temp dir.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "ncms.db"))
}

// SQLiteDSN returns the DSN of a fresh (not yet created) SQLite database.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "ncms.db")
}

// Postgres returns a fresh migrated PostgreSQL database, dropped at cleanup.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return open(t, PostgresDSN(t))
}

// PostgresDSN creates an empty PostgreSQL database for t, registers its drop
// at cleanup, and returns its DSN (for tests that start the binary).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := adminPG(t)
	name := fmt.Sprintf("ncms_t_%s_%d", runStamp, counter.Add(1))
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, _ := url.Parse(pgBase)
	u.Path = "/" + name
	return u.String()
}

func open(t testing.TB, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

var adminDB *sql.DB

// Required reports whether a missing PostgreSQL must fail the run.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("NCMS_TEST_PG_REQUIRED") == "1"
}

func adminPG(t testing.TB) *sql.DB {
	t.Helper()
	pgOnce.Do(func() {
		pgBase = os.Getenv("NCMS_TEST_PG")
		if pgBase == "" {
			pgBase = DefaultPG
		}
		adminDB, pgErr = sql.Open("pgx", pgBase)
		if pgErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			pgErr = adminDB.PingContext(ctx)
		}
	})
	if pgErr != nil {
		host := pgBase
		if _, after, ok := strings.Cut(pgBase, "@"); ok {
			host = after
		}
		msg := fmt.Sprintf("PostgreSQL suite unavailable (%s: %v); start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set NCMS_TEST_PG",
			host, pgErr)
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return adminDB
}

// Strings runs a query of one text column and returns its values in the
// order they come, failing the test on any error.
func Strings(t testing.TB, q db.Querier, query string, args ...any) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
