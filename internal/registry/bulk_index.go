package registry

import (
	"context"
	"fmt"

	"ncms/internal/db"
)

// deferredIndex is a secondary index dropped for a large import and built
// again, in the same transaction, once the rows are in.
type deferredIndex struct{ name, sql string }

// rebuiltIndexes are the indexes a large import drops and builds again.
// Only persons_name: names arrive in random order, so updating that index
// row by row touches a random page per person, while building it by sorting
// is several times faster. Every other index of the registry tables is on a
// key the import writes in (nearly) increasing order — ids it assigns, area
// paths grouped as in the file — and ID numbers keep their UNIQUE index,
// which SQLite cannot drop. Measured on 1,000,000 persons: dropping none
// 33.6 s, all 28.1 s, persons_name only 24.6 s (docs/performance.md).
var rebuiltIndexes = []string{"persons_name"}

// bigImport is the size from which an import rebuilds indexes: at least this
// many persons, and at least as many as the register already holds (a
// rebuild sorts the whole table, not only the new rows).
const bigImport = 20000

// dropIndexes drops the named indexes (those that exist) and returns their
// definitions. Only on SQLite: there the transaction holds the write lock
// and readers keep their snapshot with the index, so nobody sees the table
// without it. On PostgreSQL DROP INDEX would lock readers out for the whole
// import, so indexes stay.
func dropIndexes(ctx context.Context, tx *db.Tx, names ...string) ([]deferredIndex, error) {
	if tx.DB().Dialect() != db.SQLite {
		return nil, nil
	}
	var out []deferredIndex
	for _, n := range names {
		var ix deferredIndex
		err := tx.QueryRowContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name = ? AND sql IS NOT NULL`, n).Scan(&ix.name, &ix.sql)
		if db.IsNoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return nil, fmt.Errorf("registry: drop index %s: %w", ix.name, err)
		}
		out = append(out, ix)
	}
	return out, nil
}

// createIndexes builds the dropped indexes again.
func createIndexes(ctx context.Context, tx *db.Tx, ixs []deferredIndex) error {
	for _, ix := range ixs {
		if _, err := tx.ExecContext(ctx, ix.sql); err != nil {
			return fmt.Errorf("registry: rebuild index %s: %w", ix.name, err)
		}
	}
	return nil
}
