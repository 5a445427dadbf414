package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"ncms/internal/db"
)

// bulkInsert writes rows in chunks: with multi-row INSERT statements of a
// fixed size on SQLite (the same SQL text each time, so the engine reuses
// its prepared statement), with COPY on PostgreSQL when the transaction
// allows it (db.Tx.CanCopy: the import's InTxSession), which the server
// loads several times faster than INSERTs. Callers append one row's values
// to args and call added.
type bulkInsert struct {
	tx    *db.Tx
	table string
	cols  []string
	copy  bool   // write with COPY (PostgreSQL)
	head  string // "INSERT INTO t (a, b) VALUES "
	tuple string // "(?, ?)"
	width int    // values per row
	chunk int    // rows per statement
	args  []any
	rows  int
	full  *sql.Stmt // prepared statement for a full chunk
	// w, when set, writes the chunks (COPY) in its goroutine; spare
	// returns their buffers for reuse.
	w     *copyWriter
	spare chan []any
	// before, when set, runs before each statement (to write the rows
	// this table's rows refer to first).
	before func(ctx context.Context) error
}

// bulkRows is how many rows one INSERT writes. Every table of an import
// uses the same number so that related rows (a person and its event) are
// flushed together in full, prepared statements; 256 rows of the widest
// table (13 columns) stay far below both engines' parameter limits.
const bulkRows = 256

// copyRows is how many rows one COPY writes on PostgreSQL: the rows of a
// chunk wait in memory (a few MB at this size) so that a person's event is
// copied after the person it refers to. (A variable only so that tests can
// make chunks small.)
var copyRows = 20000

func newBulkInsert(tx *db.Tx, table string, cols []string) *bulkInsert {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	b := &bulkInsert{tx: tx, table: table, cols: cols, copy: tx.CanCopy(),
		head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ", tuple: "(" + marks + ")",
		width: len(cols)}
	b.chunk = bulkRows
	if b.copy {
		b.chunk = copyRows
	}
	b.args = make([]any, 0, b.chunk*b.width)
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
	if b.w != nil {
		if err := b.w.queue(b, b.args, b.rows); err != nil {
			return err
		}
		select {
		case b.args = <-b.spare:
		default:
			b.args = make([]any, 0, b.chunk*b.width)
		}
		b.rows = 0
		return nil
	}
	var err error
	if b.copy {
		err = b.copyRows(ctx, b.args, b.rows)
	} else if b.rows == b.chunk {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(ctx, b.sql(b.chunk)); err != nil {
				return fmt.Errorf("registry: bulk insert: %w", err)
			}
		}
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.sql(b.rows), b.args...)
	}
	if err != nil {
		return fmt.Errorf("registry: bulk insert: %w", err)
	}
	clear(b.args)
	b.args, b.rows = b.args[:0], 0
	return nil
}

// async makes b's COPYs run in w's goroutine (when w is not nil).
func (b *bulkInsert) async(w *copyWriter) {
	if w != nil && b.copy {
		b.w, b.spare = w, make(chan []any, 2)
	}
}

// copyRows writes rows rows of args (b.width values each) with COPY.
func (b *bulkInsert) copyRows(ctx context.Context, args []any, rows int) error {
	w := b.width
	n, err := b.tx.CopyFrom(ctx, b.table, b.cols, pgx.CopyFromSlice(rows, func(i int) ([]any, error) {
		return args[i*w : (i+1)*w], nil
	}))
	if err == nil && n != int64(rows) {
		err = fmt.Errorf("copied %d of %d rows into %s", n, rows, b.table)
	}
	if err != nil {
		return fmt.Errorf("registry: bulk insert: %w", err)
	}
	return nil
}

// close releases the prepared statement.
func (b *bulkInsert) close() {
	if b.full != nil {
		_ = b.full.Close()
	}
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

// analyzeImport refreshes the planner's statistics of the registry tables
// after a large import on PostgreSQL, inside the import's transaction (so
// they arrive with the rows, and go with them on a rollback): the plans of
// the pages that read the register afterwards depend on them, and
// autovacuum would come only later (docs/operations.md, "ANALYZE after a
// bulk load"). It samples a bounded number of rows per table: 0.7 s after
// 1,000,000 persons. SQLite's planner needs no statistics for these
// queries.
func analyzeImport(ctx context.Context, tx *db.Tx, rows int) error {
	if tx.DB().Dialect() != db.Postgres || rows < bigImport {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE households, persons, person_events`); err != nil {
		return fmt.Errorf("registry: analyze after import: %w", err)
	}
	return nil
}

// importCacheKiB is the page cache of the SQLite connection while an import
// writes (the default 2 MiB makes index updates of a large file go to disk).
const importCacheKiB = 256 << 10

// importSession returns the per-connection settings of an import and how
// to undo them. On SQLite: a large page cache, and temporary files in
// memory, so that the statement journal each multi-row INSERT keeps (for
// its own rollback) is not written to disk — this takes effect only when
// set before the transaction begins.
func importSession(d *db.DB) (setup, undo []string) {
	if d.Dialect() != db.SQLite {
		return nil, nil
	}
	return []string{fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB), `PRAGMA temp_store = MEMORY`},
		[]string{`PRAGMA cache_size = -2000`, `PRAGMA temp_store = DEFAULT`}
}
