package db_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// groupTable is a scratch table for the group-commit tests.
func groupTable(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `CREATE TABLE group_probe (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = d.ExecContext(context.Background(), `DROP TABLE group_probe`) })
}

// TestInTxGroupEachAlone: callers that share a commit still succeed or
// fail alone — a failing caller's writes (made before it failed) are
// gone, a panicking caller panics in its own goroutine, a caller whose
// context is done is not run, and every other caller's write is there.
// On SQLite the callers queued behind a busy writer share one commit.
func TestInTxGroupEachAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		groupTable(t, d)
		ctx := context.Background()
		insert := func(k string) func(tx *db.Tx) error {
			return func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO group_probe (k, n) VALUES (?, 1)`, k)
				return err
			}
		}
		// A first writer holds the write transaction until the others queue.
		hold, held := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- d.InTxGroup(ctx, func(tx *db.Tx) error {
				err := insert("a0")(tx)
				close(held)
				<-hold
				return err
			})
		}()
		<-held
		before := d.Counts()
		errBoom := errors.New("boom")
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		type outcome struct {
			name     string
			err      error
			panicked any
		}
		calls := map[string]func(tx *db.Tx) error{
			"ok1": insert("b1"),
			"ok2": insert("b2"),
			"ok3": insert("b3"),
			"fails": func(tx *db.Tx) error { // writes, then fails: its row must not stay
				if err := insert("x-fails")(tx); err != nil {
					return err
				}
				return errBoom
			},
			"panics": func(tx *db.Tx) error {
				if err := insert("x-panics")(tx); err != nil {
					return err
				}
				panic("panic in a grouped transaction")
			},
		}
		calls["duplicate"] = func(tx *db.Tx) error { // a constraint error after a write of its own
			if err := insert("x-dup")(tx); err != nil {
				return err
			}
			return insert("a0")(tx) // the held writer's key: unique violation
		}
		results := make(chan outcome, len(calls)+1)
		var wg sync.WaitGroup
		for name, fn := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						results <- outcome{name: name, panicked: p}
					}
				}()
				results <- outcome{name: name, err: d.InTxGroup(ctx, fn)}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- outcome{name: "cancelled", err: d.InTxGroup(cancelled, insert("x-cancelled"))}
		}()
		if d.Dialect() == db.SQLite { // all of them queued behind the held writer
			for deadline := time.Now().Add(10 * time.Second); d.GroupWaiting() < len(calls)+1; {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d writers queued", d.GroupWaiting(), len(calls)+1)
				}
				time.Sleep(5 * time.Millisecond)
			}
		} else {
			time.Sleep(200 * time.Millisecond) // PostgreSQL: they block on the held writer's row or run
		}
		close(hold)
		if err := <-first; err != nil {
			t.Fatalf("held writer: %v", err)
		}
		wg.Wait()
		close(results)
		got := map[string]outcome{}
		for r := range results {
			got[r.name] = r
		}
		for _, name := range []string{"ok1", "ok2", "ok3"} {
			if r := got[name]; r.err != nil || r.panicked != nil {
				t.Errorf("%s: err %v, panic %v; want success", name, r.err, r.panicked)
			}
		}
		if r := got["fails"]; !errors.Is(r.err, errBoom) {
			t.Errorf("fails: err %v, want boom", r.err)
		}
		if r := got["duplicate"]; r.err == nil {
			t.Error("duplicate: no error for a unique violation")
		}
		if r := got["panics"]; fmt.Sprint(r.panicked) != "panic in a grouped transaction" {
			t.Errorf("panics: panic %v, err %v; want the panic re-raised in its caller", r.panicked, r.err)
		}
		if r := got["cancelled"]; !errors.Is(r.err, context.Canceled) {
			t.Errorf("cancelled: err %v, want context.Canceled", r.err)
		}
		want := []string{"a0", "b1", "b2", "b3"}
		keys := dbtest.Strings(t, d, `SELECT k FROM group_probe ORDER BY k`)
		sort.Strings(keys)
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Errorf("rows after the batch: %v, want %v (no row of a failed, panicked or cancelled caller)", keys, want)
		}
		if d.Dialect() == db.SQLite {
			// The held writer's own commit, then one shared commit for
			// everything queued behind it (at most maxGroup = 16 callers).
			if w := d.Counts().Sub(before).Writes; w != 2 {
				t.Errorf("%d commits for 1 + %d queued writers, want 2 (the queued ones share one)", w, len(calls)+1)
			}
		}
	})
}

// TestInTxGroupConcurrentCounter: many writers incrementing one counter
// through InTxGroup, some failing after their increment: the counter ends
// at exactly the number of successful calls.
func TestInTxGroupConcurrentCounter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		groupTable(t, d)
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO group_probe (k, n) VALUES ('counter', 0)`); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 40
		var mu sync.Mutex
		succeeded := 0
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					fail := (w+i)%5 == 0
					err := d.InTxGroup(ctx, func(tx *db.Tx) error {
						if _, err := tx.ExecContext(ctx, `UPDATE group_probe SET n = n + 1 WHERE k = 'counter'`); err != nil {
							return err
						}
						if fail {
							return errors.New("refused after the increment")
						}
						return nil
					})
					if (err == nil) == fail {
						t.Errorf("worker %d call %d: err %v, fail %v", w, i, err, fail)
					}
					if err == nil {
						mu.Lock()
						succeeded++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		var n int
		if err := d.QueryRowContext(ctx, `SELECT n FROM group_probe WHERE k = 'counter'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != succeeded {
			t.Errorf("counter %d, want %d successful increments", n, succeeded)
		}
	})
}

// TestInTxGroupConnectionSurvives: on SQLite the batches run on one kept
// connection with its own page cache; after a caller that panicked, one
// whose context was cancelled in the middle of its transaction and one
// that failed, the next caller still writes (the connection was replaced
// or is sound), and nothing of the failed ones is there.
func TestInTxGroupConnectionSurvives(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		groupTable(t, d)
		ctx := context.Background()
		write := func(ctx context.Context, k string, after func() error) error {
			return d.InTxGroup(ctx, func(tx *db.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO group_probe (k, n) VALUES (?, 1)`, k); err != nil {
					return err
				}
				return after()
			})
		}
		cacheSize := func() int {
			var n int
			if err := d.InTxGroup(ctx, func(tx *db.Tx) error {
				if d.Dialect() != db.SQLite {
					return nil
				}
				return tx.QueryRowContext(ctx, `SELECT cache_size FROM pragma_cache_size`).Scan(&n) // evaluated when run, unlike a prepared PRAGMA
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if d.Dialect() == db.SQLite {
			if n := cacheSize(); n != -db.GroupCacheKiB {
				t.Fatalf("batches run with cache_size %d, want the group connection's -%d", n, db.GroupCacheKiB)
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not reach its caller")
				}
			}()
			_ = write(ctx, "panicked", func() error { panic("boom") })
		}()
		cctx, cancel := context.WithCancel(ctx)
		if err := write(cctx, "cancelled", func() error { cancel(); return cctx.Err() }); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled caller: %v", err)
		}
		if err := write(ctx, "failed", func() error { return errors.New("refused") }); err == nil {
			t.Fatal("a failing caller succeeded")
		}
		if err := write(ctx, "ok", func() error { return nil }); err != nil {
			t.Fatalf("the writer after the failures: %v", err)
		}
		if got := dbtest.Strings(t, d, `SELECT k FROM group_probe ORDER BY k`); fmt.Sprint(got) != "[ok]" {
			t.Fatalf("rows %v, want only [ok]", got)
		}
		if n := cacheSize(); d.Dialect() == db.SQLite && n != -db.GroupCacheKiB {
			t.Fatalf("the batches left their connection: cache_size %d", n)
		}
	})
}
