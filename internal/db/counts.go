package db

import "sync/atomic"

// Counts are the database work done through a DB since it was opened: what
// a test or a diagnostic needs to see how many round trips and write
// transactions an operation costs (docs/his.md "What one settlement
// costs"). Reads are statements run outside a transaction, TxStatements
// those run inside one (BEGIN and COMMIT not counted), and Writes the
// write transactions committed: a committed InTx / InTxSession and every
// DB.ExecContext (its own implicit transaction). Statements a service runs
// on the underlying *sql.DB (DB.SQL) are not seen.
type Counts struct {
	Reads        int64
	TxStatements int64
	Writes       int64
}

// Sub returns c minus earlier counts b.
func (c Counts) Sub(b Counts) Counts {
	return Counts{Reads: c.Reads - b.Reads, TxStatements: c.TxStatements - b.TxStatements, Writes: c.Writes - b.Writes}
}

type counters struct{ reads, txStatements, writes atomic.Int64 }

// Counts returns the work done so far (the counters only grow).
func (d *DB) Counts() Counts {
	return Counts{Reads: d.counts.reads.Load(), TxStatements: d.counts.txStatements.Load(), Writes: d.counts.writes.Load()}
}
