package db

import (
	"context"
	"fmt"
	"sync"
)

// Group commit (SQLite).
//
// Every SQLite commit appends each page the transaction changed to the
// write-ahead log, one write system call per page; a settlement changes
// some 35 pages (the rows of nine tables and their indexes), most of them
// the same last leaf pages the next settlement changes again. When
// several write transactions wait for the write gate at once, InTxGroup
// runs them one after another in one SQLite transaction, each in its own
// SAVEPOINT, and commits once: a batch of four writes those shared pages
// once instead of four times, and pays one commit.
//
// Each function still succeeds or fails alone: one that returns an error
// (or panics) is rolled back to its savepoint and gets its error; the
// others are unaffected. Nobody is answered before the commit: if the
// commit fails, every function of the batch gets that error and nothing
// of the batch is written, so an acknowledged write is always durable and
// a failed one never half-applied.
//
// The transaction is not any one caller's: statements inside it run
// without their caller's cancellation (SQLite's interrupt of a statement
// inside a transaction rolls the whole transaction back, which would take
// the other callers' work with it). A caller whose context is done before
// its turn is not run.
//
// Batches are formed only from callers already waiting: there is no timer,
// so a lone caller pays nothing. The caller that finds nobody leading runs
// the batch; when it is done, the first waiter leads the next one.
//
// On PostgreSQL InTxGroup is InTx: transactions there run concurrently,
// and row locks would serialize a shared transaction.

// maxGroup bounds how many functions share one commit, and so how long
// the first of them waits for the last.
const maxGroup = 16

type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupCall
	leading bool
}

type groupCall struct {
	ctx      context.Context
	fn       func(tx *Tx) error
	err      error
	panicked any
	// sig receives false when another caller ran this call, true when
	// this caller is to lead the next batch (with itself first in it).
	sig chan bool
}

// InTxGroup is InTx for short, independent write transactions that may
// share a commit with others waiting at the same moment (see above). fn
// must, as with InTx, have no effects outside the transaction; it may be
// run again in a transaction of its own if its batch met a transient
// conflict.
func (d *DB) InTxGroup(ctx context.Context, fn func(tx *Tx) error) error {
	if d.dialect != SQLite {
		return d.InTx(ctx, fn)
	}
	c := &groupCall{ctx: ctx, fn: fn, sig: make(chan bool, 1)}
	g := &d.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		lead = <-c.sig
	}
	if lead {
		d.leadGroup(c)
	}
	if c.panicked != nil {
		panic(c.panicked)
	}
	if c.err != nil && isRetryable(c.err) && ctx.Err() == nil {
		return d.InTx(ctx, fn) // the batch met another process's lock: alone, with InTx's retries
	}
	return c.err
}

// leadGroup runs the next batch (self is its first call), then hands the
// lead to the first caller still waiting, if any.
func (d *DB) leadGroup(self *groupCall) {
	g := &d.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	batch := append([]*groupCall(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	// Whatever happens in runGroup, every waiter of the batch is answered
	// and the lead is handed on (a panic outside the callers' functions —
	// theirs are recovered in runGuarded — fails the batch and goes on up).
	defer func() {
		p := recover()
		for _, c := range batch {
			if p != nil && c.err == nil && c.panicked == nil {
				c.err = fmt.Errorf("db: grouped transaction: %v", p)
			}
			if c != self {
				c.sig <- false
			}
		}
		g.mu.Lock()
		if len(g.queue) > 0 {
			g.queue[0].sig <- true
		} else {
			g.leading = false
		}
		g.mu.Unlock()
		if p != nil {
			panic(p)
		}
	}()
	d.runGroup(batch)
}

// runGroup runs batch in one transaction, each call in a savepoint, and
// sets every call's outcome. A batch of one is an ordinary transaction.
func (d *DB) runGroup(batch []*groupCall) {
	if len(batch) == 1 {
		c := batch[0]
		if c.err = c.ctx.Err(); c.err == nil {
			c.err, c.panicked = runGuarded(func(*Tx) error { return d.inTxOnce(c.ctx, c.fn) }, nil)
		}
		return
	}
	fail := func(err error) {
		for _, c := range batch {
			if c.err == nil && c.panicked == nil {
				c.err = err
			}
		}
	}
	ctx := context.Background()
	defer d.enterWrite(ctx)()
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer conn.Close()
	// A savepoint keeps the pages it changes first in a sub-journal, by
	// default a temporary file: in memory it is a few hundred kilobytes
	// at most, and no file writes. The setting applies to transactions
	// begun after it, and is undone before the connection goes back.
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		fail(err)
		return
	}
	defer conn.ExecContext(ctx, "PRAGMA temp_store = DEFAULT") //nolint:errcheck // best effort: the default is also what a new connection has
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	tx := &Tx{tx: sqlTx, db: d, shared: true}
	done := 0
	for _, c := range batch {
		if c.err = c.ctx.Err(); c.err != nil {
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
			_ = sqlTx.Rollback()
			fail(err)
			return
		}
		c.err, c.panicked = runGuarded(c.fn, tx)
		undo := c.err != nil || c.panicked != nil
		if undo {
			_, err = sqlTx.ExecContext(ctx, "ROLLBACK TO grouped")
		}
		if err == nil {
			_, err = sqlTx.ExecContext(ctx, "RELEASE grouped")
		}
		if err != nil { // the transaction itself is broken: nothing of the batch stands
			_ = sqlTx.Rollback()
			fail(fmt.Errorf("db: grouped transaction: %w", err))
			return
		}
		if !undo {
			done++
		}
	}
	if done == 0 {
		_ = sqlTx.Rollback()
		return
	}
	if err := sqlTx.Commit(); err != nil {
		fail(err) // the ones that had succeeded learn that nothing was written
		return
	}
	d.counts.writes.Add(1)
}

// runGuarded runs fn, turning a panic into a value to re-raise in the
// caller's goroutine.
func runGuarded(fn func(tx *Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}
