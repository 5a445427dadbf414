package outbox

import (
	"context"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// Readers may see the outbox (recipients masked by the adapters).
var Readers = []access.Role{access.Admin, access.Director, access.Finance, access.Auditor}

func need(ctx context.Context, roles ...access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")
	}
	if !a.Can(roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权查看或操作消息队列", "not allowed to use the outbox")
	}
	return a, nil
}

// Filter selects messages.
type Filter struct {
	Status string
	Kind   string
	Limit  int // default 100, at most 1000
	Offset int
	// Order is the column to sort by, one of Orders (anything else, or
	// empty: newest first, by id descending); Desc reverses it. Ties are
	// broken by id in the same direction.
	Order string
	Desc  bool
}

// Orders maps the sort keys List accepts to their ORDER BY expression:
// only these strings ever reach the query. "at" is when the message was
// sent, or is next due when not sent.
var Orders = map[string]string{"id": "id", "kind": "kind", "status": "status", "attempts": "attempts",
	"at": "CASE WHEN status = 'sent' THEN sent_at ELSE next_at END"}

// orderBy is the ORDER BY of f, from the whitelist only.
func (f Filter) orderBy() string {
	if order, ok := db.OrderBy(Orders, f.Order, f.Desc, "id"); ok {
		return order
	}
	return "id DESC"
}

// Counts are the number of messages by status.
type Counts struct {
	Pending, Sent, Failed int
}

// List returns messages (newest first, or in f's order, from f.Offset) and
// the counts by status.
func List(ctx context.Context, d *db.DB, f Filter) ([]Message, Counts, error) {
	var c Counts
	if _, err := need(ctx, Readers...); err != nil {
		return nil, c, err
	}
	rows, err := d.QueryContext(ctx, `SELECT status, COUNT(*) FROM outbox_messages GROUP BY status`)
	if err != nil {
		return nil, c, err
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return nil, c, err
		}
		switch st {
		case Pending:
			c.Pending = n
		case Sent:
			c.Sent = n
		case Failed:
			c.Failed = n
		}
	}
	rows.Close()
	where, args := "1 = 1", []any{}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err = d.QueryContext(ctx, `SELECT `+msgCols+` FROM outbox_messages WHERE `+where+` ORDER BY `+f.orderBy()+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, c, err
	}
	ms, err := scanMessages(rows)
	return ms, c, err
}

// Retry puts a failed message back in the queue, due now, with its
// attempts counted from zero (administrator or director, after fixing the
// gateway or the number).
func Retry(ctx context.Context, d *db.DB, id int64, now time.Time) error {
	if _, err := need(ctx, access.Admin, access.Director); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET status = ?, attempts = 0, next_at = ?
			WHERE id = ? AND status = ?`, Pending, db.Timestamp(now), id, Failed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "not_failed", "只有发送失败的消息可以重发", "only a failed message can be retried")
		}
		return audit.Record(ctx, tx, "outbox.retry", "outbox_message", id, map[string]string{"status": Failed},
			map[string]string{"status": Pending})
	})
}
