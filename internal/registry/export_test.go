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
