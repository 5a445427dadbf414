package registry

import (
	"context"
	"fmt"

	"ncms/internal/db"
)

// deferredIndex is a secondary index dropped for a large import and built
// again, in the same transaction, once the rows are in: building an index
// by sorting is much faster than updating it row by row.
type deferredIndex struct{ name, sql string }

// dropIndexes drops the secondary indexes of tables that SQLite lets us
// re-create from their stored definition (not those behind a UNIQUE or
// PRIMARY KEY constraint) and returns them. Only on SQLite: there the
// transaction holds the write lock and readers keep their snapshot with the
// indexes, so nobody sees the table without them. PostgreSQL would lock
// readers out for the whole import, so its indexes stay.
func dropIndexes(ctx context.Context, tx *db.Tx, tables ...string) ([]deferredIndex, error) {
	if tx.DB().Dialect() != db.SQLite {
		return nil, nil
	}
	var out []deferredIndex
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ix deferredIndex
			if err := rows.Scan(&ix.name, &ix.sql); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, ix)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, ix := range out {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return nil, fmt.Errorf("registry: drop index %s: %w", ix.name, err)
		}
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
