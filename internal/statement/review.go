package statement

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

var errSameUser = apperr.New(apperr.Forbidden, "maker_checker", "编制人不能复核或审批自己编制的结算单",
	"the user who prepared a statement cannot check or approve it")

// Check records the second user's check of a draft (finance or director,
// never the preparer). note is kept in the history and the audit trail.
func (s *Service) Check(ctx context.Context, id int64, note string) (Statement, error) {
	a, err := need(ctx, "复核结算单 / check statements", access.Finance, access.Director)
	if err != nil {
		return Statement{}, err
	}
	return s.step(ctx, id, "check", strings.TrimSpace(note), func(tx *db.Tx, st *Statement) error {
		if st.Status != Draft {
			return wrongStatus(st, "复核 / check")
		}
		if st.PreparedBy == a.Username {
			return errSameUser
		}
		st.Status, st.CheckedBy = Checked, a.Username
		_, err := tx.ExecContext(ctx, `UPDATE statements SET status = ?, checked_by = ?, checked_at = ?, reject_reason = ''
			WHERE id = ?`, Checked, a.Username, s.stamp(), id)
		return err
	})
}

// Approve is the director's final approval of a checked statement (never
// by the preparer or the checker). A statement with nothing to pay is
// closed at once; a negative balance waits to be carried into the next
// statement.
func (s *Service) Approve(ctx context.Context, id int64, note string) (Statement, error) {
	a, err := need(ctx, "审批结算单 / approve statements", access.Director)
	if err != nil {
		return Statement{}, err
	}
	return s.step(ctx, id, "approve", strings.TrimSpace(note), func(tx *db.Tx, st *Statement) error {
		if st.Status != Checked {
			return wrongStatus(st, "审批 / approve")
		}
		if st.PreparedBy == a.Username {
			return errSameUser
		}
		if st.CheckedBy == a.Username {
			return apperr.New(apperr.Forbidden, "maker_checker", "复核人不能再审批同一结算单", "the checker cannot also approve the statement")
		}
		st.Status, st.ApprovedBy = Approved, a.Username
		if st.Payable == 0 {
			st.Status = Closed
		}
		_, err := tx.ExecContext(ctx, `UPDATE statements SET status = ?, approved_by = ?, approved_at = ? WHERE id = ?`,
			st.Status, a.Username, s.stamp(), id)
		if err != nil {
			return err
		}
		return s.postApproved(ctx, tx, *st)
	})
}

// Reject returns a draft or checked statement to draft with a reason
// (finance or director, never the preparer). The preparer then prepares it
// again (Prepare refreshes a draft).
func (s *Service) Reject(ctx context.Context, id int64, reason string) (Statement, error) {
	a, err := need(ctx, "退回结算单 / reject statements", access.Finance, access.Director)
	if err != nil {
		return Statement{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Statement{}, apperr.Field("reason", "required", "请填写退回原因", "a reason is required")
	}
	return s.step(ctx, id, "reject", reason, func(tx *db.Tx, st *Statement) error {
		if st.Status != Draft && st.Status != Checked {
			return wrongStatus(st, "退回 / reject")
		}
		if st.PreparedBy == a.Username {
			return errSameUser
		}
		st.Status, st.CheckedBy, st.CheckedAt, st.RejectReason = Draft, "", nil, reason
		_, err := tx.ExecContext(ctx, `UPDATE statements SET status = ?, checked_by = '', checked_at = NULL, reject_reason = ?
			WHERE id = ?`, Draft, reason, id)
		return err
	})
}

// step runs one review step on a locked statement, then writes its event
// and audit row with the reason.
func (s *Service) step(ctx context.Context, id int64, name, reason string, fn func(tx *db.Tx, st *Statement) error) (Statement, error) {
	var out Statement
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		st, err := loadStatement(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := st.Status
		if err := fn(tx, &st); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, name, st.Status, reason); err != nil {
			return err
		}
		if out, err = loadStatement(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement."+name, "statement", id,
			map[string]any{"status": before},
			map[string]any{"status": out.Status, "reason": reason, "payable": out.Payable, "period": out.Period.String()})
	})
	return out, err
}

func wrongStatus(st *Statement, what string) error {
	zh, en := StatusLabel(st.Status)
	return apperr.New(apperr.Conflict, "statement_status", "结算单状态为“"+zh+"”,不能"+what, "the statement is "+en+"; cannot "+what)
}

// Get returns a statement the actor may see.
func (s *Service) Get(ctx context.Context, id int64) (Statement, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return Statement{}, err
	}
	st, err := loadStatement(ctx, s.db, id, false)
	if err == nil && inst != 0 && st.InstitutionID != inst {
		return Statement{}, ErrNotFound
	}
	return st, err
}

// Filter selects statements for List.
type Filter struct {
	Period        Period // zero: every month
	Year          int    // with a zero Period: every month of the year
	InstitutionID int64
	Status        string
	Limit         int // default 500
}

// List returns statements, by month (newest first) and institution code.
func (s *Service) List(ctx context.Context, f Filter) ([]Statement, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return nil, err
	}
	if inst != 0 {
		f.InstitutionID = inst
	}
	where, args := "1 = 1", []any{}
	if !f.Period.IsZero() {
		where += " AND st.period = ?"
		args = append(args, f.Period.String())
	} else if f.Year != 0 {
		where += " AND st.period >= ? AND st.period <= ?"
		args = append(args, Period{f.Year, 1}.String(), Period{f.Year, 12}.String())
	}
	if f.InstitutionID != 0 {
		where += " AND st.institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	if f.Status != "" {
		where += " AND st.status = ?"
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+statementCols+` FROM statements st JOIN institutions i ON i.id = st.institution_id
		WHERE `+where+` ORDER BY st.period DESC, i.code LIMIT `+itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Events returns a statement's history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT step, status, reason, username, role, at FROM statement_events
		WHERE statement_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at string
		if err := rows.Scan(&e.Step, &e.Status, &e.Reason, &e.Username, &e.Role, &at); err != nil {
			return nil, err
		}
		e.At, _ = db.ParseTimestamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
