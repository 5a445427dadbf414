package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoCopy is returned by CopyFrom when the transaction cannot use COPY:
// the database is not PostgreSQL, or the transaction was not begun by
// InTxSession (only then does the Tx know its connection).
var ErrNoCopy = errors.New("db: COPY needs a PostgreSQL transaction of InTxSession")

// CanCopy reports whether CopyFrom works in this transaction.
func (t *Tx) CanCopy() bool { return t.db.dialect == Postgres && t.conn != nil }

// CopyFrom writes the rows of src into the columns cols of table with
// PostgreSQL's COPY FROM STDIN (binary), inside the transaction: the rows
// are committed or rolled back with everything else t wrote. It returns how
// many rows were copied. Values are those pgx encodes (int64, string, nil
// for NULL, ...); table and column names are quoted as identifiers.
//
// COPY goes through pgx directly, on the connection database/sql holds for
// the transaction (sql.Conn.Raw), so it works only where CanCopy is true;
// otherwise the error is ErrNoCopy. A failed COPY aborts the transaction
// (PostgreSQL refuses further statements until the rollback).
func (t *Tx) CopyFrom(ctx context.Context, table string, cols []string, src pgx.CopyFromSource) (int64, error) {
	if !t.CanCopy() {
		return 0, ErrNoCopy
	}
	t.db.counts.txStatements.Add(1)
	var n int64
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: COPY: driver connection is %T, not pgx", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("db: copy into %s: %w", table, err)
	}
	return n, nil
}
