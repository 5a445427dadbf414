package registry

import (
	"context"
	"errors"
	"sync"

	"ncms/internal/db"
)

// copyWriter runs an import's COPYs (PostgreSQL) in a goroutine of its own,
// in the order they were queued, so that the importing goroutine reads and
// parses the next chunk of the file while the server loads the last one:
// the client's and the server's work overlap instead of taking turns. The
// queue is short (a chunk in flight, one waiting), so at most a few chunks
// of rows are held in memory per table. Until stop returns, only the writer
// uses the transaction's connection.
type copyWriter struct {
	ctx  context.Context
	jobs chan copyJob
	done chan struct{}
	mu   sync.Mutex
	err  error // the first failure; later chunks are dropped
	once sync.Once
}

type copyJob struct {
	b    *bulkInsert
	args []any
	rows int
}

// errCopyStopped drops the chunks still queued when an import gives up.
var errCopyStopped = errors.New("registry: import stopped")

// startCopyWriter starts the writer of tx's COPYs, or returns nil where
// COPY is not available (SQLite): bulk inserts then write synchronously.
func startCopyWriter(ctx context.Context, tx *db.Tx) *copyWriter {
	if !tx.CanCopy() {
		return nil
	}
	w := &copyWriter{ctx: ctx, jobs: make(chan copyJob, 1), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *copyWriter) run() {
	defer close(w.done)
	for j := range w.jobs {
		if w.failed() == nil {
			if err := j.b.copyRows(w.ctx, j.args, j.rows); err != nil {
				w.fail(err)
			}
		}
		clear(j.args)
		select {
		case j.b.spare <- j.args[:0]:
		default:
		}
	}
}

func (w *copyWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *copyWriter) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// queue hands a chunk of b's rows to the writer (waiting while another one
// is queued). It returns the failure of an earlier chunk, if any.
func (w *copyWriter) queue(b *bulkInsert, args []any, rows int) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.jobs <- copyJob{b: b, args: args, rows: rows}
	return nil
}

// stop waits until the queued chunks are written and returns the first
// failure. With a cause (the import failed elsewhere), chunks not yet
// started are dropped. Only the first call waits; it must happen before the
// transaction ends.
func (w *copyWriter) stop(cause error) error {
	if w == nil {
		return nil
	}
	if cause != nil {
		w.fail(cause)
	}
	w.once.Do(func() { close(w.jobs) })
	<-w.done
	if err := w.failed(); err != cause {
		return err
	}
	return nil
}
