package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a database transaction with '?' placeholders rebound for the dialect.
type Tx struct {
	tx   *sql.Tx
	db   *DB
	conn *sql.Conn // the connection of an InTxSession transaction (CopyFrom); nil for InTx
	// shared: a group-commit transaction (group.go) whose statements
	// must not be interrupted by one caller's cancellation.
	shared bool
}

// Querier is what both *DB and *Tx offer; read helpers take one so they can
// run inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// DB returns the database the transaction belongs to.
func (t *Tx) DB() *DB { return t.db }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	t.db.counts.txStatements.Add(1)
	ctx = t.ctx(ctx)
	if st := t.db.cachedInTx(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	t.db.counts.txStatements.Add(1)
	ctx = t.ctx(ctx)
	if st := t.db.cachedInTx(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	t.db.counts.txStatements.Add(1)
	ctx = t.ctx(ctx)
	if st := t.db.cachedInTx(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// ctx is the context a statement runs with: without cancellation in a
// shared transaction.
func (t *Tx) ctx(ctx context.Context) context.Context {
	if t.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// InsertID runs an INSERT ... RETURNING id (both engines support RETURNING)
// and returns the new id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// maxAttempts bounds InTx's retries of conflicting transactions.
const maxAttempts = 8

// InTx runs fn in a write transaction and commits it if fn returns nil.
// On a serialization conflict (PostgreSQL) or a lock timeout (SQLite) the
// whole of fn is run again, so fn must not have effects outside the
// transaction. Any error from fn rolls everything back.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = d.inTxOnce(ctx, fn)
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return fmt.Errorf("db: transaction gave up after %d conflicts: %w", maxAttempts, err)
}

func (d *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	defer d.enterWrite(ctx)()
	sqlTx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqlTx, db: d}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err == nil {
		d.counts.writes.Add(1)
	}
	return err
}

// ErrNoRows is sql.ErrNoRows, re-exported so services need not import database/sql for it.
var ErrNoRows = sql.ErrNoRows

// IsNoRows reports whether err is (or wraps) sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Timestamp formats an instant for storage: UTC, microseconds, sortable text.
func Timestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// TimestampLayout is how stored timestamps are written.
const TimestampLayout = "2006-01-02T15:04:05.000000Z"

// ParseTimestamp reads a stored timestamp.
func ParseTimestamp(s string) (time.Time, error) { return time.Parse(TimestampLayout, s) }
