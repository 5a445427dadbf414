package outbox

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"ncms/internal/db"
)

// Worker sends due messages. The zero values of its options are the
// production defaults.
type Worker struct {
	DB     *db.DB
	Sender Sender
	Log    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Batch is how many messages one round takes (default 50).
	Batch int
	// MaxAttempts fails a message after this many failed attempts (default 8).
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (default Backoff).
	Backoff func(n int) time.Duration
	// Sweeps run before each round (e.g. SweepCompensation); their errors are logged.
	Sweeps []func(ctx context.Context) error
}

// Backoff waits 30 s after the first failure and doubles each time, up to
// an hour.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// lease is how long a taken message is hidden from other workers while
// being sent.
const lease = 5 * time.Minute

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Round is what one round did.
type Round struct {
	Sent, Retried, Failed int
}

// RunOnce sends the messages due now, one at a time, and records each
// result. A message is leased before it is sent (its next attempt moved
// forward), so two workers never send it at the same time.
func (w *Worker) RunOnce(ctx context.Context) (Round, error) {
	var out Round
	batch := w.Batch
	if batch <= 0 {
		batch = 50
	}
	rows, err := w.DB.QueryContext(ctx, `SELECT `+msgCols+` FROM outbox_messages WHERE status = ? AND next_at <= ?
		ORDER BY next_at, id LIMIT ?`, Pending, db.Timestamp(w.now()), batch)
	if err != nil {
		return out, err
	}
	due, err := scanMessages(rows)
	if err != nil {
		return out, err
	}
	for _, m := range due {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		ok, err := w.take(ctx, m)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		sendErr := w.Sender.Send(ctx, m)
		status, err := w.record(ctx, m, sendErr)
		if err != nil {
			return out, err
		}
		switch status {
		case Sent:
			out.Sent++
		case Failed:
			out.Failed++
		default:
			out.Retried++
		}
	}
	return out, nil
}

// take leases m: it moves its next attempt forward if nobody else did.
func (w *Worker) take(ctx context.Context, m Message) (bool, error) {
	var n int64
	err := w.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET next_at = ? WHERE id = ? AND status = ? AND next_at = ?`,
			db.Timestamp(w.now().Add(lease)), m.ID, Pending, db.Timestamp(m.NextAt))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// record writes the result of one attempt and returns the new status.
func (w *Worker) record(ctx context.Context, m Message, sendErr error) (string, error) {
	now := w.now()
	attempts := m.Attempts + 1
	status, next, lastErr, sentAt := Sent, now, "", any(db.Timestamp(now))
	if sendErr != nil {
		max := w.MaxAttempts
		if max <= 0 {
			max = 8
		}
		backoff := w.Backoff
		if backoff == nil {
			backoff = Backoff
		}
		status, lastErr, sentAt = Pending, truncate(sendErr.Error(), 500), nil
		next = now.Add(backoff(attempts))
		if IsPermanent(sendErr) || attempts >= max {
			status = Failed
		}
		if w.Log != nil {
			w.Log.Warn("outbox: send failed", "id", m.ID, "kind", m.Kind, "attempt", attempts, "status", status, "err", lastErr)
		}
	}
	err := w.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET status = ?, attempts = ?, next_at = ?, last_error = ?,
			sender = ?, sent_at = ? WHERE id = ?`, status, attempts, db.Timestamp(next), lastErr, w.Sender.Name(), sentAt, m.ID)
		return err
	})
	return status, err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Run sweeps and sends every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, sw := range w.Sweeps {
			if err := sw(ctx); err != nil && ctx.Err() == nil && w.Log != nil {
				w.Log.Error("outbox: sweep", "err", err)
			}
		}
		if r, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil && w.Log != nil {
			w.Log.Error("outbox: round", "err", err)
		} else if w.Log != nil && (r.Sent+r.Retried+r.Failed) > 0 {
			w.Log.Info("outbox: round", "sent", r.Sent, "retried", r.Retried, "failed", r.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const msgCols = `id, kind, dedupe_key, recipient, COALESCE(person_id, 0), body, status, attempts, next_at, last_error,
	sender, created_at, COALESCE(sent_at, '')`

func scanMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var next, created, sent string
		if err := rows.Scan(&m.ID, &m.Kind, &m.DedupeKey, &m.Recipient, &m.PersonID, &m.Body, &m.Status, &m.Attempts,
			&next, &m.LastError, &m.Sender, &created, &sent); err != nil {
			return nil, err
		}
		m.NextAt, _ = db.ParseTimestamp(next)
		m.CreatedAt, _ = db.ParseTimestamp(created)
		if sent != "" {
			m.SentAt, _ = db.ParseTimestamp(sent)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
