package registry

import (
	"context"
	"fmt"

	"ncms/internal/db"
)

// deferredIndex is a secondary index dropped for a large import and built
// again, in the same transaction, once the rows are in.
type deferredIndex struct{ name, sql string }

// deferredFK is a foreign key dropped for a large import (PostgreSQL) and
// added back, with the definition it had, once the rows are in.
type deferredFK struct{ table, name, def string }

// deferredSchema is what a large import into an (almost) empty register
// took off the registry tables and puts back before it commits.
type deferredSchema struct {
	indexes []deferredIndex
	fks     []deferredFK
}

// rebuiltIndexes are the indexes a large import drops and builds again on
// SQLite. Only persons_name: names arrive in random order, so updating that
// index row by row touches a random page per person, while building it by
// sorting is several times faster. Every other index of the registry tables
// is on a key the import writes in (nearly) increasing order — ids it
// assigns, area paths grouped as in the file — and ID numbers keep their
// UNIQUE index, which SQLite cannot drop. Measured on 1,000,000 persons:
// dropping none 33.6 s, all 28.1 s, persons_name only 24.6 s
// (docs/performance.md).
var rebuiltIndexes = []string{"persons_name"}

// bigImport is the size from which an import rebuilds indexes: at least this
// many persons, and at least as many as the register already holds (a
// rebuild sorts the whole table, not only the new rows). A variable for
// tests only.
var bigImport = 20000

// loadTables are the tables a large import on PostgreSQL writes without
// their secondary indexes and foreign keys.
const loadTables = `ARRAY['households'::regclass, 'persons'::regclass, 'person_events'::regclass]`

// onDeferred, if set (tests), is told how many indexes and foreign keys a
// large import dropped.
var onDeferred func(indexes, fks int)

// deferSchema drops what a large import into an (almost) empty register
// writes faster without, and returns how to put it back (restore).
//
// SQLite: the indexes named in rebuiltIndexes. The transaction holds the
// write lock and readers keep their WAL snapshot with the index, so nobody
// sees the table without it.
//
// PostgreSQL: every secondary index of households, persons and
// person_events that does not back a constraint (primary keys and the
// UNIQUE constraints on household numbers and ID numbers stay, so a
// duplicate still fails its row; a UNIQUE index such as persons_one_head
// is dropped and rebuilt, and the rebuild fails the import on a
// duplicate), and every foreign key among those tables (households →
// areas stays: dropping it would lock areas, which every page reads, with
// ACCESS EXCLUSIVE as well; it costs little, one check per household);
// restore builds the indexes and adds the foreign keys back with the
// definitions read here (each validated in one pass over the table instead
// of a trigger per row; figures in docs/performance.md). DDL is transactional: if
// the import fails anywhere, the rollback brings indexes, constraints and
// data back as they were. The cost is the lock: DROP INDEX and DROP
// CONSTRAINT take ACCESS EXCLUSIVE on households, persons and
// person_events until the commit, so every reader of the register (console
// pages, HIS look-ups) waits for the whole import. That is acceptable only
// because this happens for a county's first load into an empty register,
// when there is nobody to look up yet (docs/operations.md).
func deferSchema(ctx context.Context, tx *db.Tx) (*deferredSchema, error) {
	d := &deferredSchema{}
	var err error
	if tx.DB().Dialect() == db.SQLite {
		d.indexes, err = dropIndexes(ctx, tx, rebuiltIndexes...)
	} else {
		err = d.dropPostgres(ctx, tx)
	}
	if err == nil && onDeferred != nil {
		onDeferred(len(d.indexes), len(d.fks))
	}
	return d, err
}

// dropPostgres reads the definitions of the secondary indexes and foreign
// keys of the load tables, then drops them.
func (d *deferredSchema) dropPostgres(ctx context.Context, tx *db.Tx) error {
	// Take the lock the DDL needs at once, for the three tables, rather
	// than upgrading table by table.
	if _, err := tx.ExecContext(ctx, `LOCK TABLE households, persons, person_events IN ACCESS EXCLUSIVE MODE`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i WHERE i.indrelid = ANY (`+loadTables+`)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
		ORDER BY i.indexrelid`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ix deferredIndex
		if err := rows.Scan(&ix.name, &ix.sql); err != nil {
			rows.Close()
			return err
		}
		d.indexes = append(d.indexes, ix)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY (`+loadTables+`) AND confrelid = ANY (`+loadTables+`)
		ORDER BY oid`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var fk deferredFK
		if err := rows.Scan(&fk.table, &fk.name, &fk.def); err != nil {
			rows.Close()
			return err
		}
		d.fks = append(d.fks, fk)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, fk := range d.fks {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+fk.table+` DROP CONSTRAINT `+fk.name); err != nil {
			return fmt.Errorf("registry: drop foreign key %s: %w", fk.name, err)
		}
	}
	for _, ix := range d.indexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+ix.name); err != nil {
			return fmt.Errorf("registry: drop index %s: %w", ix.name, err)
		}
	}
	return nil
}

// restore builds the dropped indexes and adds the dropped foreign keys
// back (validating them), inside the import's transaction. A nil d has
// nothing to restore.
func (d *deferredSchema) restore(ctx context.Context, tx *db.Tx) error {
	if d == nil {
		return nil
	}
	if len(d.indexes) > 0 && tx.DB().Dialect() == db.Postgres {
		// Index builds sort in memory up to this much (the default, 64MB,
		// spills the persons' indexes to disk); only for this transaction.
		if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
	}
	if err := createIndexes(ctx, tx, d.indexes); err != nil {
		return err
	}
	for _, fk := range d.fks {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+fk.table+` ADD CONSTRAINT `+fk.name+` `+fk.def); err != nil {
			return fmt.Errorf("registry: add foreign key %s back: %w", fk.name, err)
		}
	}
	return nil
}

// dropIndexes drops the named indexes (those that exist) and returns their
// definitions (SQLite).
func dropIndexes(ctx context.Context, tx *db.Tx, names ...string) ([]deferredIndex, error) {
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
