package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v1, err := d.SchemaVersion(ctx)
		if err != nil || v1 < 1 {
			t.Fatalf("schema version = %d, %v; want >= 1", v1, err)
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		ms, _ := db.Migrations()
		if v2, _ := d.SchemaVersion(ctx); v2 != ms[len(ms)-1].Version {
			t.Fatalf("schema version after re-migrate = %d, want %d", v2, ms[len(ms)-1].Version)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, "k", "v"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = ?`, "k").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows after rollback = %d, %v; want 0", n, err)
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := func() error {
			_, err := d.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('dup', '1')`)
			return err
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		if err := ins(); !db.IsUniqueViolation(err) {
			t.Fatalf("second insert error = %v, want a unique violation", err)
		}
	})
}

// Concurrent read-modify-write transactions must not lose updates.
func TestInTxSerialisesCounterUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('n', '0')`); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- d.InTx(ctx, func(tx *db.Tx) error {
						var v int
						if err := tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'n'`+d.ForUpdate()).Scan(&v); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'n'`, itoa(v+1))
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var got string
		if err := d.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'n'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != itoa(workers*each) {
			t.Fatalf("counter = %s, want %d", got, workers*each)
		}
	})
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestRebind(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	if got := d.Rebind("a = ? AND b = '?'"); got != "a = ? AND b = '?'" {
		t.Fatalf("sqlite rebind changed the query: %s", got)
	}
	_ = ctx
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	_, err := db.Open(context.Background(), "mysql://x")
	if err == nil {
		t.Fatal("mysql DSN accepted")
	}
}
