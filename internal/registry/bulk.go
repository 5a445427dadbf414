package registry

import (
	"context"
	"fmt"
	"strings"

	"ncms/internal/db"
)

// bulkInsert writes rows with multi-row INSERT statements of a fixed size
// (the same SQL text each time, so PostgreSQL reuses its prepared plan).
// Callers append one row's values to args and call added.
type bulkInsert struct {
	tx    *db.Tx
	head  string // "INSERT INTO t (a, b) VALUES "
	tuple string // "(?, ?)"
	width int    // values per row
	chunk int    // rows per statement
	args  []any
	rows  int
	full  string // SQL for a full chunk, built once
	// before, when set, runs before each statement (to write the rows
	// this table's rows refer to first).
	before func(ctx context.Context) error
}

// maxBulkParams keeps statements under both engines' parameter limits.
const maxBulkParams = 4000

func newBulkInsert(tx *db.Tx, table string, cols []string) *bulkInsert {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	b := &bulkInsert{tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ", tuple: "(" + marks + ")",
		width: len(cols)}
	b.chunk = maxBulkParams / b.width
	b.args = make([]any, 0, b.chunk*b.width)
	b.full = b.sql(b.chunk)
	return b
}

func (b *bulkInsert) sql(n int) string {
	var sb strings.Builder
	sb.Grow(len(b.head) + n*(len(b.tuple)+2))
	sb.WriteString(b.head)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.tuple)
	}
	return sb.String()
}

// added notes that one row's values were appended to args, writing a full chunk.
func (b *bulkInsert) added(ctx context.Context) error {
	b.rows++
	if b.rows < b.chunk {
		return nil
	}
	return b.flush(ctx)
}

// flush writes the rows waiting.
func (b *bulkInsert) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before(ctx); err != nil {
			return err
		}
	}
	q := b.full
	if b.rows != b.chunk {
		q = b.sql(b.rows)
	}
	if _, err := b.tx.ExecContext(ctx, q, b.args...); err != nil {
		return fmt.Errorf("registry: bulk insert: %w", err)
	}
	clear(b.args)
	b.args, b.rows = b.args[:0], 0
	return nil
}

// reserveIDs reserves n consecutive ids of table inside tx and returns the
// first. On SQLite the write transaction already excludes other writers; on
// PostgreSQL the caller has locked the table against inserts, so nobody
// else draws from the sequence meanwhile.
func reserveIDs(ctx context.Context, tx *db.Tx, table string, n int) (int64, error) {
	var first int64
	if tx.DB().Dialect() == db.Postgres {
		seq := fmt.Sprintf("pg_get_serial_sequence('%s', 'id')", table)
		if err := tx.QueryRowContext(ctx, `SELECT nextval(`+seq+`)`).Scan(&first); err != nil {
			return 0, err
		}
		if n > 1 {
			_, err := tx.ExecContext(ctx, `SELECT setval(`+seq+`, ?)`, first+int64(n)-1)
			return first, err
		}
		return first, nil
	}
	// AUTOINCREMENT never reuses an id: take the larger of MAX(id) and the
	// recorded sequence; explicit ids beyond it advance the sequence.
	err := tx.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT MAX(id) FROM `+table+`), 0),
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))`, table).Scan(&first)
	return first + 1, err
}

// lockForImport keeps other writers out of the registry tables for the
// rest of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already does).
func lockForImport(ctx context.Context, tx *db.Tx) error {
	if tx.DB().Dialect() != db.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `LOCK TABLE households, persons IN SHARE ROW EXCLUSIVE MODE`)
	return err
}

// importCacheKiB is the page cache of the SQLite connection while an import
// writes (the default 2 MiB makes index updates of a large file go to disk).
const importCacheKiB = 256 << 10

// bigCache enlarges SQLite's page cache for this transaction's connection
// and returns the function that restores it.
func bigCache(ctx context.Context, tx *db.Tx) (func(), error) {
	if tx.DB().Dialect() != db.SQLite {
		return func() {}, nil
	}
	var old int64
	if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&old); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)); err != nil {
		return nil, err
	}
	return func() { _, _ = tx.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, old)) }, nil
}
