package db

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Prepared-statement cache (SQLite).
//
// modernc.org/sqlite parses and plans a statement on every Exec/Query that
// is not run through a prepared *sql.Stmt; for the short statements of a
// settlement that parse is a third of the CPU. So on SQLite, DB and Tx run
// every statement through a *sql.Stmt kept per query text: database/sql
// prepares it once per pooled connection and reuses it (Tx binds it to its
// connection with Tx.StmtContext, which finds the connection's copy).
// modernc keeps the compiled SQLite statement and resets it after each
// use; a script of several statements still runs every statement.
//
// Inside a transaction a statement not yet cached runs unprepared and is
// prepared for the cache in the background: preparing it on the pool from
// inside the transaction could wait for a free connection while every
// connection is held by a transaction queued behind this one's lock.
//
// PostgreSQL needs none of this: pgx (QueryExecModeCacheStatement, the
// default) already keeps 512 prepared statements per connection, keyed by
// query text, and a *sql.Stmt over it would only add a layer.
//
// The cache is bounded: texts longer than maxCachedQuery (built batch
// statements) are not cached, and when maxCachedStmts texts are held the
// cache is emptied and refills with what is used (closing a *sql.Stmt in
// use is safe: database/sql closes it when its last user is done).
const (
	maxCachedStmts = 256
	maxCachedQuery = 4096
)

type stmtCache struct {
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
	closed  bool
}

// cached returns the prepared statement for q, preparing it on first use,
// or nil when q is not to be cached (PostgreSQL, long text) or does not
// prepare (then the caller runs it unprepared and reports that error).
func (d *DB) cached(ctx context.Context, q string) *sql.Stmt {
	if d.dialect != SQLite || len(q) > maxCachedQuery {
		return nil
	}
	c := &d.stmts
	c.mu.Lock()
	st := c.m[q]
	c.mu.Unlock()
	if st != nil {
		return st
	}
	st, err := d.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return c.add(q, st)
}

// add keeps st for q and returns the statement to use.
func (c *stmtCache) add(q string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = st.Close()
		return nil
	}
	if old := c.m[q]; old != nil { // another goroutine prepared it meanwhile
		_ = st.Close()
		return old
	}
	if c.m == nil || len(c.m) >= maxCachedStmts {
		for _, s := range c.m {
			_ = s.Close()
		}
		c.m = make(map[string]*sql.Stmt, 64)
	}
	c.m[q] = st
	return st
}

// cachedInTx returns the cached statement for q, or nil; a statement not
// yet cached is prepared in the background for the next use.
func (d *DB) cachedInTx(q string) *sql.Stmt {
	if d.dialect != SQLite || len(q) > maxCachedQuery {
		return nil
	}
	c := &d.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil || c.closed || c.pending[q] {
		return st
	}
	if c.pending == nil {
		c.pending = map[string]bool{}
	}
	c.pending[q] = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if st, err := d.sql.PrepareContext(ctx, q); err == nil {
			c.add(q, st)
		}
		c.mu.Lock()
		delete(c.pending, q)
		c.mu.Unlock()
	}()
	return nil
}

// closeStmts closes every cached statement (before the pool is closed).
func (d *DB) closeStmts() {
	c := &d.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		_ = s.Close()
	}
	c.m, c.closed = nil, true
}

// CachedStatements reports how many query texts hold a prepared statement
// (for tests and diagnostics).
func (d *DB) CachedStatements() int {
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	return len(d.stmts.m)
}
