// Package audit writes the audit trail: who, when, what action on which
// object, the state before and after, and from which address. Every service
// calls Record inside the same transaction as the change it records, so a
// change and its trail row commit or roll back together.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"ncms/internal/access"
	"ncms/internal/db"
)

// Entry is one row of the audit trail as read back.
type Entry struct {
	ID         int64
	At         time.Time
	UserID     int64
	Username   string
	Role       string
	Action     string
	ObjectType string
	ObjectID   string
	Before     string // JSON, "" when there was nothing before
	After      string // JSON, "" when there is nothing after
	RemoteAddr string
}

// Record writes one audit row in tx for the actor in ctx (a context without
// an actor is recorded as "unknown"). before and after are encoded as JSON;
// pass nil for "nothing". Callers must not put full ID numbers in them
// unmasked unless the object itself is the person record.
func Record(ctx context.Context, tx *db.Tx, action, objectType string, objectID any, before, after any) error {
	a, ok := access.FromContext(ctx)
	if !ok {
		a = access.Actor{Username: "unknown"}
	}
	b, err := encode(before)
	if err != nil {
		return err
	}
	af, err := encode(after)
	if err != nil {
		return err
	}
	var uid any
	if a.UserID != 0 {
		uid = a.UserID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(at, user_id, username, role, action, object_type, object_id, before_json, after_json, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.Timestamp(time.Now()), uid, a.Username, string(a.Role), action, objectType,
		fmt.Sprint(objectID), b, af, a.RemoteAddr)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

func encode(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: encode: %w", err)
	}
	return string(b), nil
}

// Filter selects audit rows for List and Count.
type Filter struct {
	ObjectType string
	ObjectID   string
	UserID     int64
	Limit      int // default 100, at most 1000
	Offset     int // rows skipped (pages)
	BeforeID   int64
	// Order is the column to sort by, one of Orders (anything else, or
	// empty: newest first, by id descending); Desc reverses it. Ties are
	// broken by id in the same direction.
	Order string
	Desc  bool
}

// Orders maps the sort keys List accepts to their ORDER BY column: only
// these strings ever reach the query.
var Orders = map[string]string{"id": "id", "at": "at", "user": "username",
	"action": "action", "object": "object_type"}

// where builds the WHERE clause of f.
func (f Filter) where() (string, []any) {
	where, args := "1 = 1", []any{}
	if f.ObjectType != "" {
		where += " AND object_type = ?"
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		where += " AND object_id = ?"
		args = append(args, f.ObjectID)
	}
	if f.UserID != 0 {
		where += " AND user_id = ?"
		args = append(args, f.UserID)
	}
	if f.BeforeID != 0 {
		where += " AND id < ?"
		args = append(args, f.BeforeID)
	}
	return where, args
}

// orderBy is the ORDER BY of f, from the whitelist only.
func (f Filter) orderBy() string {
	if order, ok := db.OrderBy(Orders, f.Order, f.Desc, "id"); ok {
		return order
	}
	return "id DESC"
}

// Count returns how many audit rows match f (its Limit, Offset and Order
// aside), counting at most upTo rows when upTo > 0 (the trail grows by a
// row per settlement: an exact count of millions costs a scan).
func Count(ctx context.Context, q db.Querier, f Filter, upTo int) (int, error) {
	where, args := f.where()
	query := `SELECT COUNT(*) FROM audit_log WHERE ` + where
	if upTo > 0 {
		query = `SELECT COUNT(*) FROM (SELECT 1 FROM audit_log WHERE ` + where + fmt.Sprintf(" LIMIT %d) t", upTo)
	}
	var n int
	err := q.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// List returns audit rows, newest first (or by f.Order), f.Limit of them
// after f.Offset.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	where, args := f.where()
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT id, at, COALESCE(user_id, 0), username, role, action, object_type,
		object_id, COALESCE(before_json, ''), COALESCE(after_json, ''), remote_addr
		FROM audit_log WHERE `+where+fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", f.orderBy(), f.Limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Username, &e.Role, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.Before, &e.After, &e.RemoteAddr); err != nil {
			return nil, err
		}
		e.At, _ = db.ParseTimestamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
