// Package db opens the ncms database (SQLite by default, PostgreSQL in
// production), applies the embedded migrations, and offers the few dialect
// helpers the services need. Services write their own SQL with '?'
// placeholders; this package rewrites them to $n for PostgreSQL.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultDSN is where ncms keeps its data when no --db / NCMS_DB is given.
const DefaultDSN = "sqlite:./ncms-data/ncms.db"

// Dialect names the SQL engine behind a DB.
type Dialect int

// The two supported engines.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open ncms database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	dsn     string
	stmts   stmtCache     // SQLite: prepared statements by query text (stmtcache.go)
	gate    chan struct{} // SQLite: one writer at a time in this process (gate.go)
	group   groupCommit   // SQLite: write transactions sharing a commit (group.go)
	// PostgreSQL: query text → text with $n placeholders (Rebind)
	rebound  sync.Map
	reboundN atomic.Int64
	counts   counters // Counts (counts.go)
	// SQLite: stops the checkpoint goroutine (checkpoint.go)
	stopCheckpoints func()
}

// Open opens the database named by dsn ("sqlite:PATH" or "postgres://...")
// and applies any migrations not yet applied. For SQLite the directory of
// PATH is created.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d, err := OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenNoMigrate opens the database without touching its schema.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	var (
		sqlDB   *sql.DB
		dialect Dialect
		err     error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		sqlDB, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
		dialect = SQLite
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		sqlDB, err = sql.Open("pgx", dsn)
		dialect = Postgres
		if err == nil {
			// PostgreSQL does best with a few busy backends per core (on
			// the 2-core machine, 8 connections settled more over HTTP at
			// 64 clients than 32: docs/performance.md).
			n := min(32, max(8, 4*runtime.NumCPU()))
			sqlDB.SetMaxOpenConns(n)
			sqlDB.SetMaxIdleConns(n)
			sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, fmt.Errorf("db: unsupported DSN %q: use sqlite:PATH or postgres://... / 数据库地址应为 sqlite:路径 或 postgres://", redact(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", redact(dsn), err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: connect %s: %w", redact(dsn), err)
	}
	d := &DB{sql: sqlDB, dialect: dialect, dsn: dsn}
	if dialect == SQLite {
		d.gate = make(chan struct{}, 1)
		d.startCheckpoints()
	}
	return d, nil
}

func openSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
	}
	q := "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(" + strconv.Itoa(autoCheckpointPages) + ")" +
		"&_txlock=immediate&_time_format=sqlite"
	sqlDB, err := sql.Open("sqlite", "file:"+path+q)
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's nature; a small pool lets readers run
	// beside it under WAL while BEGIN IMMEDIATE + busy_timeout queue writers.
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetMaxIdleConns(8)
	return sqlDB, nil
}

// redact hides a password in a DSN for error messages and logs.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return dsn[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}

// Redacted returns the DSN with any password hidden, for logs.
func (d *DB) Redacted() string { return redact(d.dsn) }

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// SQL returns the underlying *sql.DB (for tools; services use the methods).
func (d *DB) SQL() *sql.DB { return d.sql }

// Close closes the database.
func (d *DB) Close() error {
	if d.stopCheckpoints != nil {
		d.stopCheckpoints()
	}
	d.closeStmts()
	d.closeGroupConn()
	return d.sql.Close()
}

// Ping checks that the database answers (for /healthz).
func (d *DB) Ping(ctx context.Context) error { return d.sql.PingContext(ctx) }

// ExecContext runs a statement written with '?' placeholders.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	defer d.enterWrite(ctx)()
	d.counts.writes.Add(1)
	if st := d.cached(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.sql.ExecContext(ctx, d.Rebind(q), args...)
}

// QueryContext runs a query written with '?' placeholders.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	d.counts.reads.Add(1)
	if st := d.cached(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.sql.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRowContext runs a one-row query written with '?' placeholders.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	d.counts.reads.Add(1)
	if st := d.cached(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.sql.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Rebind rewrites '?' placeholders to $1, $2... for PostgreSQL. Question
// marks inside single-quoted literals are left alone.
func (d *DB) Rebind(q string) string {
	if d.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	if r, ok := d.rebound.Load(q); ok {
		return r.(string)
	}
	b := make([]byte, 0, len(q)+16)
	n, inQuote := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b = append(b, c)
		case c == '?' && !inQuote:
			n++
			b = strconv.AppendInt(append(b, '$'), int64(n), 10)
		default:
			b = append(b, c)
		}
	}
	r := string(b)
	// Remember the texts of ordinary statements (bounded: built batch
	// statements are long or many).
	if len(q) <= maxCachedQuery && d.reboundN.Load() < maxRebound {
		d.reboundN.Add(1)
		d.rebound.Store(q, r)
	}
	return r
}

// maxRebound bounds the rewritten query texts Rebind remembers.
const maxRebound = 2048

// ForUpdate returns " FOR UPDATE" on PostgreSQL and "" on SQLite, where the
// write transaction (BEGIN IMMEDIATE) already holds the database lock.
func (d *DB) ForUpdate() string {
	if d.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// isRetryable reports conflicts that a fresh attempt of the whole
// transaction resolves: PostgreSQL serialization failures and deadlocks,
// SQLite busy/locked beyond the busy timeout.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}
