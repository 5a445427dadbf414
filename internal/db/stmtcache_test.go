package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestStatementCache: on SQLite statements run outside a transaction are
// prepared once and reused; inside a transaction they are picked up once
// cached; results are the same as unprepared on both engines.
func TestStatementCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Statements met inside the set-up's transactions are prepared in the
		// background: wait until the count stops moving before taking the base.
		// Under load (-race, a busy machine) one quiet poll was not enough:
		// ask for 10 in a row (200 ms), for at most 10 s.
		base := d.CachedStatements()
		for i, quiet := 0, 0; i < 500 && quiet < 10; i++ {
			time.Sleep(20 * time.Millisecond)
			n := d.CachedStatements()
			if n == base {
				quiet++
				continue
			}
			base, quiet = n, 0
		}
		for i := 0; i < 3; i++ {
			if _, err := d.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, fmt.Sprint("sc", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		want := base + 1
		if d.Dialect() == db.Postgres {
			want = 0 // pgx caches per connection itself
		}
		if got := d.CachedStatements(); got != want {
			t.Errorf("cached statements = %d, want %d", got, want)
		}
		// Inside transactions: same statement many times, reads see the writes.
		for i := 0; i < 5; i++ {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ?`, fmt.Sprint("t", i), "sc0"); err != nil {
					return err
				}
				var v string
				if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, "sc0").Scan(&v); err != nil {
					return err
				}
				if v != fmt.Sprint("t", i) {
					return fmt.Errorf("read %q in the transaction, want t%d", v, i)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond) // let the background prepare land
		}
		// A failing statement reports its error, prepared or not.
		if _, err := d.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('sc0', 'dup')`); !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := d.ExecContext(ctx, `SELECT nosuchcolumn FROM meta`); err == nil {
			t.Fatal("a bad statement succeeded")
		}
		// Rows of a cached query are released: the same query again, nested.
		rows, err := d.QueryContext(ctx, `SELECT key FROM meta WHERE key LIKE 'sc%' ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			var v string
			if err := d.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, k).Scan(&v); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if err := rows.Err(); err != nil || n != 3 {
			t.Fatalf("rows: %d, %v", n, err)
		}
		rows.Close()
	})
}

// TestStatementCacheBounded: many distinct texts never hold more than the
// bound, and statements keep working after the cache is emptied.
func TestStatementCacheBounded(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	for i := 0; i < 600; i++ {
		var n int
		if err := d.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + COUNT(*) FROM meta`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if got := d.CachedStatements(); got > 256 {
		t.Fatalf("%d cached statements", got)
	}
}

// TestStatementCacheFullPool: transactions queued behind SQLite's write lock
// hold every pooled connection; a statement first seen inside the running
// transaction must not wait for a connection (it would until the busy
// timeout).
func TestStatementCacheFullPool(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			errs <- d.InTx(ctx, func(tx *db.Tx) error {
				for k := 0; k < 5; k++ {
					q := fmt.Sprintf(`INSERT INTO meta (key, value) VALUES (?, '%d')`, k)
					if _, err := tx.ExecContext(ctx, q, fmt.Sprint("pool", g, "-", k)); err != nil {
						return err
					}
				}
				return nil
			})
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("32 small transactions took %v", el)
	}
}

// TestScriptThroughCache: a text of several statements still runs them all.
func TestScriptThroughCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE sc_a (x INTEGER); CREATE TABLE sc_b (y INTEGER); INSERT INTO sc_b VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sc_b`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("script: %d, %v", n, err)
		}
	})
}

// TestRebindPostgres: placeholders outside quotes become $1…$n, the same
// on the first call and when remembered.
func TestRebindPostgres(t *testing.T) {
	d := dbtest.Postgres(t)
	q := "a = ? AND b = '?' AND c IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	want := "a = $1 AND b = '?' AND c IN ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	for i := 0; i < 2; i++ {
		if got := d.Rebind(q); got != want {
			t.Fatalf("call %d: %s", i+1, got)
		}
	}
}
