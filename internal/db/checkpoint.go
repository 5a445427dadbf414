package db

import (
	"context"
	"time"
)

// Checkpoints (SQLite).
//
// In WAL mode a commit appends the changed pages to the WAL; a checkpoint
// copies them back into the database file and syncs it. SQLite's own
// automatic checkpoint runs in the connection that committed, right after
// its commit, once the WAL holds 1,000 pages — inside the write gate
// (gate.go), so every writer queued behind it waits for the copy and the
// fsync (5–20 ms on this machine, the p99 of settlement under load). So
// here a goroutine of the DB checkpoints instead, PASSIVE (it never
// blocks writers or readers, and copies what no reader still needs),
// every checkpointEvery while anything was written, outside the gate.
// SQLite's own checkpoint stays as a safety net at autoCheckpointPages
// (a WAL that grows because the goroutine cannot keep up, or writes by
// other processes). Durability is unchanged: a commit is durable in the
// WAL either way (synchronous=NORMAL: on the next checkpoint's sync against
// power loss), and a crash at any point leaves the WAL to be replayed.
//
// A checkpoint copies each page changed since the last one once, however
// often it was changed: settlements keep changing the same last leaves of
// their tables and indexes, so checkpointing every 250 ms instead of every
// 100 ms copies fewer pages per settlement (one read and one write system
// call each; counted with strace on BenchmarkHISSettle: 118 → 113 writes
// and 57 → 54 reads per settlement, 109 and 49 at 500 ms). At 1,000
// settlements/s the WAL then holds some 5,000 pages (20 MB) between
// checkpoints, well below the safety net.
const (
	checkpointEvery     = 250 * time.Millisecond
	autoCheckpointPages = 10000
)

// startCheckpoints starts the checkpoint goroutine (SQLite).
func (d *DB) startCheckpoints() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d.stopCheckpoints = func() { cancel(); <-done }
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		last := d.counts.writes.Load()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if w := d.counts.writes.Load(); w != last {
				last = w
				_ = d.Checkpoint(ctx)
			}
		}
	}()
}

// Checkpoint runs a PASSIVE WAL checkpoint now (SQLite; nothing on
// PostgreSQL): it copies the WAL pages no reader needs into the database
// file without waiting for anyone.
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.dialect != SQLite {
		return nil
	}
	var busy, log, done int
	return d.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
}
