package db

import (
	"context"
	"time"
)

// Write gate (SQLite).
//
// SQLite has one writer at a time. A write transaction (BEGIN IMMEDIATE)
// that finds the lock taken waits in SQLite's busy handler, which sleeps
// 1, 2, 5, 10 … 100 ms between attempts: under load most of a waiting
// writer's time is spent asleep after the lock was already free, and the
// slowest requests wait 50–100 ms more than they need to. So within the
// process, write transactions and statements run outside a transaction
// through DB.ExecContext queue for a gate first (a channel of one slot:
// waiters are served in order, and none holds a pooled connection while
// waiting). Other processes on the same file still meet the busy handler.
//
// A writer waits for the gate at most gateWait (the busy timeout) and then
// goes ahead ungated, so code that writes outside its own transaction
// fails as before (SQLITE_BUSY after the busy timeout) rather than hanging.
const gateWait = 10 * time.Second

func nothing() {}

// enterWrite takes the write gate (SQLite) and returns its release.
func (d *DB) enterWrite(ctx context.Context) func() {
	if d.gate == nil {
		return nothing
	}
	select {
	case d.gate <- struct{}{}:
		return d.leaveWrite
	default:
	}
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case d.gate <- struct{}{}:
		return d.leaveWrite
	case <-ctx.Done():
	case <-t.C:
	}
	return nothing
}

func (d *DB) leaveWrite() { <-d.gate }
