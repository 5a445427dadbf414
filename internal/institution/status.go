package institution

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// StatusChange asks for a new status.
type StatusChange struct {
	Status Status     `json:"status"`
	Since  civil.Date `json:"since"` // the day it takes effect; zero: today; never in the future
	Reason string     `json:"reason"`
}

// SetStatus suspends, reinstates or withdraws an institution. Allowed:
// active → suspended, suspended → active, active or suspended → withdrawn.
// Withdrawal is final. A suspension or withdrawal needs a reason. Every
// change is kept in the status history.
func (s *Service) SetStatus(ctx context.Context, id int64, ch StatusChange) (Institution, error) {
	if _, err := admin(ctx); err != nil {
		return Institution{}, err
	}
	ch.Reason = strings.TrimSpace(ch.Reason)
	if ch.Since.IsZero() {
		ch.Since = s.Today()
	}
	if err := ch.check(s.Today()); err != nil {
		return Institution{}, err
	}
	var out Institution
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		before, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := transition(before.Status, ch.Status); err != nil {
			return err
		}
		if ch.Since.Before(before.StatusSince) {
			return apperr.Field("since", "before_current", "生效日期早于当前状态的生效日期 "+before.StatusSince.String(),
				"the date is before the current status began ("+before.StatusSince.String()+")")
		}
		_, err = tx.ExecContext(ctx, `UPDATE institutions SET status = ?, status_since = ?, updated_at = ? WHERE id = ?`,
			string(ch.Status), ch.Since, db.Timestamp(s.now()), id)
		if err != nil {
			return err
		}
		if err := s.addStatus(ctx, tx, id, ch.Status, ch.Since, ch.Reason); err != nil {
			return err
		}
		if out, err = Load(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "institution.status", "institution", id,
			map[string]any{"status": before.Status, "since": before.StatusSince},
			map[string]any{"status": out.Status, "since": out.StatusSince, "reason": ch.Reason})
	})
	return out, err
}

func (ch StatusChange) check(today civil.Date) error {
	var c apperr.Collector
	switch ch.Status {
	case Active, Suspended, Withdrawn:
	default:
		c.AddField("status", "status", "状态应为 active/suspended/withdrawn", "status must be active, suspended or withdrawn")
	}
	if ch.Status != Active && ch.Reason == "" {
		c.AddField("reason", "required", "暂停或退出须填写原因", "a suspension or withdrawal needs a reason")
	}
	if ch.Since.After(today) {
		c.AddField("since", "future", "生效日期不能晚于今天", "the date must not be in the future")
	}
	return c.Err()
}

func transition(from, to Status) error {
	switch {
	case from == Withdrawn:
		return apperr.New(apperr.Conflict, "withdrawn", "该机构已退出,状态不可再变更", "the institution has withdrawn; its status is final")
	case from == to:
		zh, en := to.Label()
		return apperr.New(apperr.Conflict, "same_status", "该机构已是"+zh+"状态", "the institution is already "+en)
	}
	return nil
}

// Suspend suspends an institution from today.
func (s *Service) Suspend(ctx context.Context, id int64, reason string) (Institution, error) {
	return s.SetStatus(ctx, id, StatusChange{Status: Suspended, Reason: reason})
}

// History returns an institution's status history, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]StatusEvent, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, since, reason, at, username FROM institution_status
		WHERE institution_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StatusEvent
	for rows.Next() {
		var e StatusEvent
		var at string
		if err := rows.Scan(&e.Status, &e.Since, &e.Reason, &at, &e.Username); err != nil {
			return nil, err
		}
		e.At, _ = db.ParseTimestamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
