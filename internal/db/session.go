package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PrepareContext prepares a statement written with '?' placeholders for
// repeated use inside the transaction (bulk writers reuse one statement
// instead of having the engine parse the same SQL again for every batch).
// The statement is closed with the transaction at the latest.
func (t *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.db.Rebind(q))
}

// InTxSession is InTx on one dedicated connection that first runs the
// statements of setup and, after the transaction, those of undo. It is for
// bulk jobs that need per-connection settings taking effect only outside a
// transaction, such as SQLite's PRAGMA temp_store (the statement journal of
// a transaction is placed when it begins). undo runs even when fn fails.
func (d *DB) InTxSession(ctx context.Context, setup, undo []string, fn func(tx *Tx) error) error {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer func() {
		for _, q := range undo {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), q)
		}
	}()
	for _, q := range setup {
		if _, err := conn.ExecContext(ctx, d.Rebind(q)); err != nil {
			return fmt.Errorf("db: session setup: %w", err)
		}
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = d.inConnTxOnce(ctx, conn, fn)
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return fmt.Errorf("db: transaction gave up after %d conflicts: %w", maxAttempts, err)
}

func (d *DB) inConnTxOnce(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) (err error) {
	defer d.enterWrite(ctx)()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(&Tx{tx: sqlTx, db: d, conn: conn}); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err == nil {
		d.counts.writes.Add(1)
	}
	return err
}
