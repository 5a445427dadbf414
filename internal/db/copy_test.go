package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// copyRows makes n rows (id, name) for the copy_t table of these tests.
func copyRows(first, n int) pgx.CopyFromSource {
	return pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		return []any{int64(first + i), fmt.Sprintf("name %d", first+i)}, nil
	})
}

func copyCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM copy_t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopyFromInTransaction: on PostgreSQL, COPY in an InTxSession
// transaction sees and is seen by the transaction's other statements, is
// committed with them, and is rolled back with them when fn fails (also
// when the COPY itself fails). Elsewhere CopyFrom refuses with ErrNoCopy.
func TestCopyFromInTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE copy_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if d.Dialect() != db.Postgres {
			err := d.InTxSession(ctx, nil, nil, func(tx *db.Tx) error {
				if tx.CanCopy() {
					t.Error("CanCopy on SQLite")
				}
				_, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(1, 3))
				return err
			})
			if !errors.Is(err, db.ErrNoCopy) {
				t.Fatalf("CopyFrom on SQLite: %v, want ErrNoCopy", err)
			}
			return
		}
		// A plain InTx transaction does not know its connection.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(1, 3))
			return err
		})
		if !errors.Is(err, db.ErrNoCopy) {
			t.Fatalf("CopyFrom in InTx: %v, want ErrNoCopy", err)
		}

		// Committed together with an INSERT of the same transaction.
		err = d.InTxSession(ctx, nil, nil, func(tx *db.Tx) error {
			if !tx.CanCopy() {
				t.Fatal("CanCopy false in an InTxSession transaction on PostgreSQL")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO copy_t (id, name) VALUES (?, ?)`, 0, "inserted"); err != nil {
				return err
			}
			n, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(1, 1000))
			if err != nil || n != 1000 {
				return fmt.Errorf("copied %d: %w", n, err)
			}
			var in int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM copy_t`).Scan(&in); err != nil || in != 1001 {
				return fmt.Errorf("rows seen in the transaction = %d, %v; want 1001", in, err)
			}
			// Not yet visible outside the transaction.
			if out := copyCount(t, d); out != 0 {
				t.Errorf("rows seen outside before commit = %d, want 0", out)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := copyCount(t, d); n != 1001 {
			t.Fatalf("after commit: %d rows, want 1001", n)
		}

		// fn fails after the COPY: nothing of it stays.
		boom := errors.New("boom")
		err = d.InTxSession(ctx, nil, nil, func(tx *db.Tx) error {
			if _, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(2000, 500)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		// The COPY itself fails (a duplicate key in its second half):
		// the rows copied before in the transaction are rolled back too.
		err = d.InTxSession(ctx, nil, nil, func(tx *db.Tx) error {
			if _, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(3000, 100)); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(900, 200))
			return err
		})
		if err == nil {
			t.Fatal("COPY of duplicate ids succeeded")
		}
		if n := copyCount(t, d); n != 1001 {
			t.Fatalf("after the failed transactions: %d rows, want 1001", n)
		}
		// The connection is usable again afterwards.
		err = d.InTxSession(ctx, nil, nil, func(tx *db.Tx) error {
			_, err := tx.CopyFrom(ctx, "copy_t", []string{"id", "name"}, copyRows(5000, 10))
			return err
		})
		if err != nil || copyCount(t, d) != 1011 {
			t.Fatalf("COPY after failures: %v, %d rows", err, copyCount(t, d))
		}
	})
}
