package db_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestBackgroundCheckpoint: committed pages reach the SQLite database file
// without any further write and far below SQLite's own automatic
// checkpoint (10,000 pages): the DB's checkpoint goroutine copied them.
func TestBackgroundCheckpoint(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	path := strings.TrimPrefix(dsn, "sqlite:")
	if err := d.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	blob := strings.Repeat("x", 4000)
	for i := 0; i < 100; i++ { // ~100 pages, each in its own transaction
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, fmt.Sprint("ckpt", i), blob)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second) // a bound for a busy machine, not a measurement
	for size() < before+100*4000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, was %d: the WAL was not checkpointed in the background (%s)", size(), before, filepath.Base(path))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
