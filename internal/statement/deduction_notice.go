package statement

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Statuses of a deduction under notice (before DeductionOpen): no
// statement takes them until the director confirms.
const (
	DeductionNoticed   = "noticed"   // notice sent, awaiting the institution's response
	DeductionResponded = "responded" // the institution answered; awaiting the decision
)

// DeductionNotice is the notice of a deduction to the institution (扣款通知),
// its response and the decision (SPEC §10).
type DeductionNotice struct {
	DeductionID    int64      `json:"deduction_id"`
	Text           string     `json:"text"`
	RespondBy      civil.Date `json:"respond_by"`
	IssuedBy       string     `json:"issued_by"`
	Response       string     `json:"response,omitempty"`
	RespondedBy    string     `json:"responded_by,omitempty"`
	Decision       string     `json:"decision,omitempty"` // confirmed, withdrawn
	DecisionNote   string     `json:"decision_note,omitempty"`
	OriginalAmount money.Fen  `json:"original_amount"`
	DecidedBy      string     `json:"decided_by,omitempty"`
}

// NoticeInput is a deduction to notify: the deduction and the notice's
// text and last day for a response (default: 7 days from today).
type NoticeInput struct {
	Deduction
	Text      string     `json:"text"`
	RespondBy civil.Date `json:"respond_by"`
}

// IssueDeductionNotice records a deduction as a notice to the institution
// (finance, inspector or director). It is taken by a statement only after
// the director confirms it (DecideDeduction). AddDeduction remains for
// deductions that need no notice.
func (s *Service) IssueDeductionNotice(ctx context.Context, in NoticeInput) (Deduction, error) {
	if _, err := need(ctx, "发出扣款通知 / issue deduction notices", access.Finance, access.Inspector, access.Director); err != nil {
		return Deduction{}, err
	}
	var out Deduction
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		d, err := s.IssueDeductionNoticeTx(ctx, tx, in)
		out = d
		return err
	})
	return out, err
}

// RespondToDeduction records the institution's response to a notice (an
// institution user of that institution), while no decision is made.
func (s *Service) RespondToDeduction(ctx context.Context, id int64, response string) (DeductionNotice, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return DeductionNotice{}, err
	}
	if response = strings.TrimSpace(response); response == "" {
		return DeductionNotice{}, apperr.Field("response", "required", "请填写答复意见", "a response is required")
	}
	var out DeductionNotice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		d, n, err := lockNotice(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.Can(access.Institution) || a.Scope.InstitutionID != d.InstitutionID {
			return apperr.NotFoundf("扣款通知 / deduction notice")
		}
		if d.Status != DeductionNoticed && d.Status != DeductionResponded {
			return apperr.New(apperr.Conflict, "decided", "该扣款已处理,不能再答复", "the deduction is decided; no response is possible")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deduction_notices SET response = ?, responded_at = ?, responded_by = ?
			WHERE deduction_id = ?`, response, s.stamp(), a.Username, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deductions SET status = ? WHERE id = ?`, DeductionResponded, id); err != nil {
			return err
		}
		out = n
		out.Response, out.RespondedBy = response, a.Username
		return audit.Record(ctx, tx, "statement.deduction.respond", "deduction", id, n, out)
	})
	return out, err
}

// DecideDeduction is the director's decision on a notified deduction, once
// the institution responded or its last day passed: confirm (with amount
// 0 to keep it, or a lower amount after the response) makes it open, to be
// taken at the next statement; withdraw cancels it. A note is required
// when the amount changes or the deduction is withdrawn.
func (s *Service) DecideDeduction(ctx context.Context, id int64, confirm bool, amount money.Fen, note string) (Deduction, error) {
	a, err := need(ctx, "决定扣款 / decide deductions", access.Director)
	if err != nil {
		return Deduction{}, err
	}
	note = strings.TrimSpace(note)
	var out Deduction
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		d, n, err := lockNotice(ctx, tx, id)
		if err != nil {
			return err
		}
		switch d.Status {
		case DeductionResponded:
		case DeductionNoticed:
			if !s.Today().After(n.RespondBy) {
				return apperr.New(apperr.Conflict, "awaiting_response", "答复期限("+n.RespondBy.String()+")未到,机构尚未答复",
					"the institution may respond until "+n.RespondBy.String())
			}
		default:
			return apperr.New(apperr.Conflict, "decided", "该扣款已处理", "the deduction is already decided")
		}
		if amount == 0 {
			amount = d.Amount
		}
		switch {
		case confirm && (amount < 0 || amount > d.Amount):
			return apperr.Field("amount", "range", "确认金额应大于 0 且不超过通知金额", "the amount must be positive and at most the notified amount")
		case (!confirm || amount != d.Amount) && note == "":
			return apperr.Field("note", "required", "请说明调整或撤销的理由", "say why the amount changes or the deduction is withdrawn")
		}
		out = d
		decision, status := "confirmed", DeductionOpen
		if !confirm {
			decision, status = "withdrawn", DeductionCancelled
			out.CancelReason = note
		} else {
			out.Amount = amount
		}
		out.Status = status
		if _, err := tx.ExecContext(ctx, `UPDATE deductions SET status = ?, amount = ?, cancelled_at = ?, cancelled_by = ?,
			cancel_reason = ? WHERE id = ?`, status, int64(out.Amount), nullIf(!confirm, s.stamp()), strIf(!confirm, a.Username),
			out.CancelReason, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deduction_notices SET decision = ?, decision_note = ?, decided_at = ?, decided_by = ?
			WHERE deduction_id = ?`, decision, note, s.stamp(), a.Username, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement.deduction.decide", "deduction", id, d, out)
	})
	return out, err
}

func nullIf(b bool, v string) any {
	if b {
		return v
	}
	return nil
}

func strIf(b bool, v string) string {
	if b {
		return v
	}
	return ""
}

func lockNotice(ctx context.Context, tx *db.Tx, id int64) (Deduction, DeductionNotice, error) {
	d, err := scanDeduction(tx.QueryRowContext(ctx, `SELECT `+deductionCols+` FROM deductions WHERE id = ?`+tx.DB().ForUpdate(), id))
	if db.IsNoRows(err) {
		return d, DeductionNotice{}, apperr.NotFoundf("扣款 / deduction")
	}
	if err != nil {
		return d, DeductionNotice{}, err
	}
	n, err := loadNotice(ctx, tx, id)
	return d, n, err
}

func loadNotice(ctx context.Context, q db.Querier, id int64) (DeductionNotice, error) {
	var n DeductionNotice
	var orig int64
	err := q.QueryRowContext(ctx, `SELECT deduction_id, notice_text, respond_by, issued_by, response, responded_by, decision,
		decision_note, original_amount, decided_by FROM deduction_notices WHERE deduction_id = ?`, id).Scan(&n.DeductionID, &n.Text,
		&n.RespondBy, &n.IssuedBy, &n.Response, &n.RespondedBy, &n.Decision, &n.DecisionNote, &orig, &n.DecidedBy)
	if db.IsNoRows(err) {
		return n, apperr.NotFoundf("扣款通知 / deduction notice")
	}
	n.OriginalAmount = money.Fen(orig)
	return n, err
}

// DeductionNoticeOf returns the notice of a deduction (county readers, or
// the institution it concerns).
func (s *Service) DeductionNoticeOf(ctx context.Context, id int64) (Deduction, DeductionNotice, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return Deduction{}, DeductionNotice{}, err
	}
	d, err := loadDeduction(ctx, s.db, id)
	if err != nil || (inst != 0 && d.InstitutionID != inst) {
		return Deduction{}, DeductionNotice{}, apperr.NotFoundf("扣款 / deduction")
	}
	n, err := loadNotice(ctx, s.db, id)
	return d, n, err
}

// Refund is money an institution owes back to a patient it overcharged,
// tracked until refunded.
type Refund struct {
	ID          int64      `json:"id"`
	DeductionID int64      `json:"deduction_id"`
	PersonID    int64      `json:"person_id"`
	Amount      money.Fen  `json:"amount"`
	Note        string     `json:"note,omitempty"`
	Status      string     `json:"status"` // due, refunded
	RefundedOn  civil.Date `json:"refunded_on,omitzero"`
	CreatedBy   string     `json:"created_by"`
	RecordedBy  string     `json:"recorded_by,omitempty"`
}

// AddRefund records a refund owed to a patient under a deduction (finance,
// inspector or director).
func (s *Service) AddRefund(ctx context.Context, r Refund) (Refund, error) {
	a, err := need(ctx, "登记退还患者款项 / record patient refunds", access.Finance, access.Inspector, access.Director)
	if err != nil {
		return Refund{}, err
	}
	if r.Amount <= 0 {
		return Refund{}, apperr.Field("amount", "positive", "退还金额应大于 0", "the amount must be positive")
	}
	r.Note, r.Status, r.CreatedBy = strings.TrimSpace(r.Note), "due", a.Username
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := loadDeduction(ctx, tx, r.DeductionID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE id = ?`, r.PersonID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("person_id", "not_found", "人员不存在", "no such person")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO deduction_refunds (deduction_id, person_id, amount, note, status, created_at, created_by)
			VALUES (?, ?, ?, ?, 'due', ?, ?)`, r.DeductionID, r.PersonID, int64(r.Amount), r.Note, s.stamp(), a.Username)
		if err != nil {
			return err
		}
		r.ID = id
		return audit.Record(ctx, tx, "statement.refund.add", "deduction_refund", id, nil, r)
	})
	return r, err
}

// MarkRefunded records that the institution paid a refund back on a day.
func (s *Service) MarkRefunded(ctx context.Context, id int64, on civil.Date) (Refund, error) {
	a, err := need(ctx, "登记退还患者款项 / record patient refunds", access.Finance, access.Inspector, access.Director)
	if err != nil {
		return Refund{}, err
	}
	if on.IsZero() || on.After(s.Today()) {
		return Refund{}, apperr.Field("refunded_on", "invalid", "请填写退还日期(不晚于今天)", "the day refunded is required and not in the future")
	}
	var out Refund
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deduction_refunds SET status = 'refunded', refunded_on = ?, recorded_by = ?
			WHERE id = ? AND status = 'due'`, on, a.Username, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "not_due", "该退款不存在或已退还", "no such refund due")
		}
		rs, err := refunds(ctx, tx, "id = ?", id)
		if err != nil || len(rs) != 1 {
			return err
		}
		out = rs[0]
		return audit.Record(ctx, tx, "statement.refund.done", "deduction_refund", id, map[string]string{"status": "due"}, out)
	})
	return out, err
}

// Refunds lists the refunds under a deduction.
func (s *Service) Refunds(ctx context.Context, deductionID int64) ([]Refund, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return nil, err
	}
	d, err := loadDeduction(ctx, s.db, deductionID)
	if err != nil || (inst != 0 && d.InstitutionID != inst) {
		return nil, apperr.NotFoundf("扣款 / deduction")
	}
	return refunds(ctx, s.db, "deduction_id = ?", deductionID)
}

func refunds(ctx context.Context, q db.Querier, where string, arg any) ([]Refund, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, deduction_id, person_id, amount, note, status, refunded_on, created_by, recorded_by
		FROM deduction_refunds WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		var r Refund
		var amt int64
		if err := rows.Scan(&r.ID, &r.DeductionID, &r.PersonID, &amt, &r.Note, &r.Status, &r.RefundedOn, &r.CreatedBy, &r.RecordedBy); err != nil {
			return nil, err
		}
		r.Amount = money.Fen(amt)
		out = append(out, r)
	}
	return out, rows.Err()
}
