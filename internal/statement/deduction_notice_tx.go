package statement

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/institution"
)

// IssueDeductionNoticeTx records a deduction as a notice to the institution
// inside the caller's transaction (finance, inspector or director), so
// that another record — e.g. the complaint that found the overcharging —
// can be linked to it atomically. IssueDeductionNotice is this in a
// transaction of its own.
func (s *Service) IssueDeductionNoticeTx(ctx context.Context, tx *db.Tx, in NoticeInput) (Deduction, error) {
	a, err := need(ctx, "发出扣款通知 / issue deduction notices", access.Finance, access.Inspector, access.Director)
	if err != nil {
		return Deduction{}, err
	}
	d := in.Deduction
	d.Reason, d.SourceType, d.SourceRef = strings.TrimSpace(d.Reason), strings.TrimSpace(d.SourceType), strings.TrimSpace(d.SourceRef)
	in.Text = strings.TrimSpace(in.Text)
	if d.FoundOn.IsZero() {
		d.FoundOn = s.Today()
	}
	if in.RespondBy.IsZero() {
		in.RespondBy = s.Today().AddDays(7)
	}
	if in.Text == "" {
		in.Text = d.Reason
	}
	var c apperr.Collector
	if d.InstitutionID == 0 {
		c.AddField("institution_id", "required", "请选择医疗机构", "choose an institution")
	}
	if d.Amount <= 0 {
		c.AddField("amount", "positive", "扣款金额应大于 0", "the amount must be positive")
	}
	if d.Reason == "" {
		c.AddField("reason", "required", "请填写扣款原因", "a reason is required")
	}
	if d.FoundOn.After(s.Today()) {
		c.AddField("found_on", "future", "日期不能晚于今天", "the date must not be in the future")
	}
	if in.RespondBy.Before(s.Today()) {
		c.AddField("respond_by", "past", "答复期限不能早于今天", "the last day for a response cannot be in the past")
	}
	if err := c.Err(); err != nil {
		return Deduction{}, err
	}
	d.Status, d.CreatedBy, d.StatementID = DeductionNoticed, a.Username, 0
	if _, err := institution.Load(ctx, tx, d.InstitutionID); err != nil {
		return Deduction{}, apperr.Field("institution_id", "not_found", "医疗机构不存在", "institution not found")
	}
	id, err := tx.InsertID(ctx, `INSERT INTO deductions (institution_id, amount, reason, source_type, source_ref, found_on,
		status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.InstitutionID, int64(d.Amount), d.Reason,
		d.SourceType, d.SourceRef, d.FoundOn, d.Status, s.stamp(), a.Username)
	if err != nil {
		return Deduction{}, err
	}
	d.ID = id
	if _, err := tx.ExecContext(ctx, `INSERT INTO deduction_notices (deduction_id, notice_text, respond_by, issued_at, issued_by,
		original_amount) VALUES (?, ?, ?, ?, ?, ?)`, id, in.Text, in.RespondBy, s.stamp(), a.Username, int64(d.Amount)); err != nil {
		return Deduction{}, err
	}
	in.Deduction = d
	return d, audit.Record(ctx, tx, "statement.deduction.notice", "deduction", id, nil, in)
}
