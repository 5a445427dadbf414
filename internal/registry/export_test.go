package registry

import "ncms/internal/db"

// SetCopyRows makes the import's COPY chunks n rows long for a test and
// returns the function restoring the size.
func SetCopyRows(n int) (restore func()) {
	old := copyRows
	copyRows = n
	return func() { copyRows = old }
}

// WritesWithCopy reports whether the import's bulk writer uses COPY in tx.
func WritesWithCopy(tx *db.Tx) bool { return newBulkInsert(tx, "persons", importPersonCols).copy }

// SetBigImport makes imports of at least n persons (into a register not
// larger) drop and rebuild indexes and foreign keys for a test, and
// reports through seen how many each such import dropped. It returns the
// function restoring the size.
func SetBigImport(n int, seen func(indexes, fks int)) (restore func()) {
	old, oldSeen := bigImport, onDeferred
	bigImport, onDeferred = n, seen
	return func() { bigImport, onDeferred = old, oldSeen }
}
