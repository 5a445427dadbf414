package enroll

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// CancelInput cancels enrollments paid by one receipt.
type CancelInput struct {
	PaymentID int64 `json:"payment_id"`
	// PersonIDs empty cancels every enrollment of the receipt still in
	// force; otherwise only these persons' (e.g. someone found enrolled in
	// another scheme).
	PersonIDs []int64    `json:"person_i_ds"`
	Reason    string     `json:"reason"` // required
	On        civil.Date `json:"on"`     // day of the refund; zero: today
}

// Cancel reverses enrollments: for each, every contribution gets a
// reversing row with the opposite amount, the enrollment is marked
// cancelled, and one reversing payment refunds what the people paid. The
// receipt stays, with its status showing the reversal. Head count and money
// go down together.
func (s *Service) Cancel(ctx context.Context, in CancelInput) (Receipt, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := actor(ctx, DeskRoles...)
		if err != nil {
			return err
		}
		if in.Reason == "" {
			return apperr.Field("reason", "required", "请填写撤销原因", "give the reason for the cancellation")
		}
		if in.On.IsZero() {
			in.On = s.Today()
		}
		pay, err := lockPayment(ctx, tx, act, in.PaymentID, s.db.ForUpdate())
		if err != nil {
			return err
		}
		if err := yearNotClosed(ctx, tx, pay.Year); err != nil {
			return err
		}
		ids, err := toCancel(ctx, tx, in)
		if err != nil {
			return err
		}
		return s.reverse(ctx, tx, act, pay, ids, in)
	})
	if err != nil {
		return Receipt{}, err
	}
	return s.Receipt(ctx, in.PaymentID)
}

type paymentRow struct {
	ID, HouseholdID int64
	Year, Tier      int
	No, AreaPath    string
}

// lockPayment reads a receipt (not a reversal) in the actor's scope.
func lockPayment(ctx context.Context, tx *db.Tx, act access.Actor, id int64, lock string) (paymentRow, error) {
	var p paymentRow
	err := tx.QueryRowContext(ctx, `SELECT id, household_id, year, tier, receipt_no, area_path FROM contribution_payments
		WHERE id = ? AND reverses_id IS NULL`+lock, id).Scan(&p.ID, &p.HouseholdID, &p.Year, &p.Tier, &p.No, &p.AreaPath)
	if db.IsNoRows(err) || (err == nil && !act.Scope.CoversArea(p.AreaPath)) {
		return p, errPaymentNotFound
	}
	return p, err
}

// toCancel returns the enrollment ids to cancel.
func toCancel(ctx context.Context, tx *db.Tx, in CancelInput) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, person_id FROM enrollments WHERE payment_id = ? AND cancelled_at IS NULL ORDER BY id`, in.PaymentID)
	if err != nil {
		return nil, err
	}
	byPerson := map[int64]int64{}
	var all []int64
	for rows.Next() {
		var e, p int64
		if err := rows.Scan(&e, &p); err != nil {
			rows.Close()
			return nil, err
		}
		byPerson[p] = e
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, apperr.New(apperr.Conflict, "already_cancelled", "该收据的参合记录已全部撤销", "every enrollment of this receipt is already cancelled")
	}
	if len(in.PersonIDs) == 0 {
		return all, nil
	}
	var out []int64
	for i, p := range in.PersonIDs {
		e, ok := byPerson[p]
		if !ok {
			return nil, apperr.Field(fmt.Sprintf("person_ids[%d]", i+1), "not_on_receipt",
				"该人员不在此收据上或已撤销", "the person is not on this receipt or is already cancelled")
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// reverse writes the reversing payment and contributions and marks the
// enrollments cancelled.
func (s *Service) reverse(ctx context.Context, tx *db.Tx, act access.Actor, pay paymentRow, ids []int64, in CancelInput) error {
	var refund money.Fen
	for _, e := range ids {
		var r int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM contributions
			WHERE enrollment_id = ? AND source = ? AND COALESCE(reverses_id, 0) = 0`, e, string(Individual)).Scan(&r); err != nil {
			return err
		}
		refund += money.Fen(r)
	}
	now := s.stamp()
	revID, err := tx.InsertID(ctx, `INSERT INTO contribution_payments (year, household_id, area_path, tier, amount, paid_on,
		method, reverses_id, reason, created_at, created_by) SELECT year, household_id, area_path, tier, ?, ?, method, id, ?, ?, ?
		FROM contribution_payments WHERE id = ?`, -int64(refund), in.On, in.Reason, now, act.Username, pay.ID)
	if err != nil {
		return err
	}
	for _, e := range ids {
		if err := reverseEnrollment(ctx, tx, e, revID, in.Reason, now); err != nil {
			return err
		}
	}
	if err := postRefund(ctx, tx, pay.Year, in.On, revID, in.Reason); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "enroll.cancel", "receipt", pay.No, nil, map[string]any{
		"enrollments": ids, "refund": refund, "reason": in.Reason, "on": in.On.String(), "reversal_id": revID})
}

// reverseEnrollment writes a reversing row for each of an enrollment's
// contributions and marks it cancelled.
func reverseEnrollment(ctx context.Context, tx *db.Tx, enrollment, revID int64, reason, now string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO contributions (year, enrollment_id, person_id, area_path, tier, source, amount,
		payment_id, reverses_id, created_at) SELECT year, enrollment_id, person_id, area_path, tier, source, -amount, ?, id, ?
		FROM contributions WHERE enrollment_id = ? AND COALESCE(reverses_id, 0) = 0 ORDER BY id`, revID, now, enrollment); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE enrollments SET cancelled_at = ?, cancel_payment_id = ?, cancel_reason = ?
		WHERE id = ? AND cancelled_at IS NULL`, now, revID, reason, enrollment)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "already_cancelled", "该参合记录已撤销", "the enrollment is already cancelled")
	}
	return nil
}

// yearNotClosed refuses changes to a closed year's enrollments.
func yearNotClosed(ctx context.Context, q db.Querier, year int) error {
	var st string
	if err := q.QueryRowContext(ctx, `SELECT status FROM scheme_years WHERE year = ?`, year).Scan(&st); err != nil {
		return err
	}
	if Status(st) == Closed {
		return apperr.New(apperr.Conflict, "year_closed", fmt.Sprintf("%d年度已关闭", year), fmt.Sprintf("year %d is closed", year))
	}
	return nil
}
