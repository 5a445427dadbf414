package complaint

import (
	"context"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/statement"
)

// DeductionSource is the source_type of deductions raised from complaints.
const DeductionSource = "complaint"

// RaiseDeduction turns a confirmed complaint or tip-off that found
// overcharging (substantiated or partly) into a deduction notice to the
// institution it concerns (director). The notice (statement.NoticeInput:
// amount, reason, text, last day for a response) is issued through st,
// with source "complaint" and the complaint's number, in the same
// transaction that links it to the complaint (complaints.deduction_id), its
// history row and the audit record — so a complaint raises at most one
// deduction, and never one that is not linked to it. A complaint that
// names no institution takes the notice's institution_id.
func (s *Service) RaiseDeduction(ctx context.Context, st *statement.Service, id int64, in statement.NoticeInput) (Item, statement.Deduction, error) {
	a, err := need(ctx, "由投诉举报发出扣款通知 / raise deductions from complaints", Deciders...)
	if err != nil {
		return Item{}, statement.Deduction{}, err
	}
	var out Item
	var ded statement.Deduction
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		it, err := load(ctx, tx, id, tx.DB().ForUpdate())
		if err != nil {
			return err
		}
		switch {
		case it.Status != Confirmed:
			return wrong(it.Status)
		case it.Finding != Substantiated && it.Finding != Partly:
			return apperr.New(apperr.Conflict, "not_substantiated", "核查结论为不属实,不能扣款",
				"the finding is unsubstantiated: there is nothing to deduct")
		case it.DeductionID != 0:
			return apperr.New(apperr.Conflict, "deduction_raised", "该投诉举报已发出扣款通知 #"+strconv.FormatInt(it.DeductionID, 10),
				"a deduction notice (#"+strconv.FormatInt(it.DeductionID, 10)+") was already raised from it")
		}
		in := in
		if it.InstitutionID != 0 {
			in.InstitutionID = it.InstitutionID
		}
		in.SourceType, in.SourceRef = DeductionSource, strconv.FormatInt(id, 10)
		if in.Reason == "" {
			zh, _ := Label(it.Kind)
			in.Reason = zh + " #" + in.SourceRef + ":" + it.Subject
		}
		if ded, err = st.IssueDeductionNoticeTx(ctx, tx, in); err != nil {
			return err
		}
		before := it
		it.DeductionID = ded.ID
		if it.InstitutionID == 0 {
			it.InstitutionID = ded.InstitutionID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE complaints SET deduction_id = ?, institution_id = ?, updated_at = ? WHERE id = ?`,
			ded.ID, it.InstitutionID, db.Timestamp(s.now()), id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, id, "deduction", "#"+strconv.FormatInt(ded.ID, 10)+" "+ded.Amount.String()); err != nil {
			return err
		}
		out = it
		return audit.Record(ctx, tx, "complaint.deduction", "complaint", id, before, it)
	})
	return out, ded, err
}
