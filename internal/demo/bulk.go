package demo

import (
	"context"
	"database/sql"
	"time"

	"ncms/internal/db"
)

// Writes while the county is built (SQLite).
//
// The demo writes a year in under a minute: some 40,000 short write
// transactions. Under WAL with synchronous=NORMAL every checkpoint (one per
// 1,000 pages written, a few a second) waits for the disk twice, inside
// the single writer's turn, and forces the WAL's pages out although the
// next transactions rewrite them: the default county made the kernel write
// about 4 GB. With synchronous=OFF the checkpoints do not wait and the
// kernel writes a fifth of that (measured: 2,444,016 → 508,712 blocks of
// 512 bytes for size 0.3).
//
// It is safe for this database: WAL with synchronous=OFF keeps the database
// consistent if the process dies (the written pages are the kernel's); only
// an operating-system crash or power loss while the county is being built
// could damage it, and the demo is then simply run again on a new
// database. When the build ends the connections are put back to NORMAL
// (the DSN's setting; new connections have it anyway), so the console that
// serves the county afterwards is as durable as `ncms serve`.

// bulkWrites sets PRAGMA synchronous on every connection of d's pool
// (SQLite only; PostgreSQL is left alone). It takes the connections one by
// one, so it waits while they are in use, at most wait in all; on time-out
// the connections not reached keep their mode (best effort: the mode only
// changes durability against power loss, never what is written).
func bulkWrites(ctx context.Context, d *db.DB, on bool, wait time.Duration) error {
	if d.Dialect() != db.SQLite {
		return nil
	}
	mode := "NORMAL"
	if on {
		mode = "OFF"
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	pool := d.SQL()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close() // back to the pool, with its new mode
		}
	}()
	for range pool.Stats().MaxOpenConnections {
		c, err := pool.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, "PRAGMA synchronous = "+mode); err != nil {
			return err
		}
	}
	return nil
}
