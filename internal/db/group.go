package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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
	// conn is the connection every batch runs on, used only by the
	// leader of the moment (leaders follow one another), opened on first
	// use and kept: SQLite drops a connection's page cache whenever
	// another connection has written since its last transaction, so
	// writes spread over the pool re-read (one system call per page) the
	// very pages the previous settlement changed; on one connection they
	// stay in its cache. Its temp_store is MEMORY (see runGroup). nil
	// after a failure that may have broken it: the next batch opens
	// another.
	conn *sql.Conn
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
	fail := func(err error) {
		for _, c := range batch {
			if c.err == nil && c.panicked == nil {
				c.err = err
			}
		}
	}
	conn, err := d.groupConn()
	if err != nil {
		fail(err)
		return
	}
	keep := false // the connection is known sound after this batch
	defer func() {
		if !keep {
			d.dropGroupConn()
		}
	}()
	if _, err := conn.ExecContext(context.Background(), groupCachePragma); err != nil {
		fail(err)
		return
	}
	if len(batch) == 1 {
		c := batch[0]
		if c.err = c.ctx.Err(); c.err == nil {
			c.err, c.panicked = runGuarded(func(*Tx) error { return d.inConnTxOnce(c.ctx, conn, c.fn) }, nil)
		}
		// The caller's own error leaves the connection as sound as
		// before (its transaction was rolled back); a panic, a
		// cancellation (database/sql may then discard the connection)
		// or a connection failure may not.
		keep = c.panicked == nil && c.ctx.Err() == nil && (c.err == nil || !isConnFailure(c.err))
		return
	}
	ctx := context.Background()
	defer d.enterWrite(ctx)()
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
		keep = sqlTx.Rollback() == nil
		return
	}
	if err := sqlTx.Commit(); err != nil {
		fail(err) // the ones that had succeeded learn that nothing was written
		return
	}
	keep = true
	d.counts.writes.Add(1)
}

// groupCacheKiB is the page cache of the batches' connection (SQLite's
// default is 2 MiB): the pages settlements touch — the last leaves of the
// append-only tables and indexes, and the totals, lines and indexes of the
// people being treated — stay in memory instead of being read again.
// SQLite resets a connection's cache size to the default whenever it
// reloads the schema (after any other connection's CREATE, DROP or
// ANALYZE), so every batch sets it again (a few microseconds, no I/O).
const groupCacheKiB = 64 << 10

var groupCachePragma = fmt.Sprintf("PRAGMA cache_size = -%d", groupCacheKiB)

// groupConn returns the batches' connection, opening it if need be. A
// savepoint keeps the pages it changes first in a sub-journal, by default
// a temporary file: in memory it is a few hundred kilobytes at most, and
// no file writes; the setting applies to transactions begun after it.
func (d *DB) groupConn() (*sql.Conn, error) {
	if c := d.group.conn; c != nil {
		return c, nil
	}
	ctx := context.Background()
	c, err := d.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn }) // not back into the pool with the setting half-known
		_ = c.Close()
		return nil, err
	}
	d.group.conn = c
	return c, nil
}

// dropGroupConn discards the batches' connection (closed, not returned to
// the pool: it carries temp_store = MEMORY and may be broken).
func (d *DB) dropGroupConn() {
	if c := d.group.conn; c != nil {
		d.group.conn = nil
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
		_ = c.Close()
	}
}

// closeGroupConn closes the batches' connection when the DB closes. No
// batch runs any more: Close is called after the last write.
func (d *DB) closeGroupConn() {
	d.group.mu.Lock()
	defer d.group.mu.Unlock()
	d.dropGroupConn()
}

// isConnFailure reports whether err may mean the connection itself is in
// an unknown state (rather than the statement or the data being refused).
func isConnFailure(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone)
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
