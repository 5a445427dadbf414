package enroll

// A read for the console's person page (internal/web/person_page.go): the
// person's enrollment history, one row per enrollment (cancelled ones
// included), with the receipt that paid it.

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/money"
)

// PersonEnrollment is one enrollment of a person.
type PersonEnrollment struct {
	Year         int
	Tier         int
	PaidOn       civil.Date
	Late         bool
	CoverFrom    civil.Date
	CoverTo      civil.Date
	Cancelled    bool
	CancelReason string
	PaymentID    int64
	ReceiptNo    string    // "" for a payment without a receipt number
	Amount       money.Fen // the household payment's amount (all members it enrolled)
}

// PersonEnrollments lists a person's enrollments, newest year first,
// within the caller's area (none outside it).
func (s *Service) PersonEnrollments(ctx context.Context, personID int64) ([]PersonEnrollment, error) {
	a, err := actor(ctx, ReadRoles...)
	if err != nil {
		return nil, err
	}
	where, args := `e.person_id = ?`, []any{personID}
	if !a.Scope.IsInstitution() {
		cond, arg := a.Scope.AreaFilter("e.area_path")
		where += " AND " + cond
		if arg != nil {
			args = append(args, arg)
		}
	} else {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.year, e.tier, e.paid_on, e.late, e.cover_from, e.cover_to,
		CASE WHEN e.cancelled_at IS NULL THEN 0 ELSE 1 END, e.cancel_reason, e.payment_id, COALESCE(p.receipt_no, ''), p.amount
		FROM enrollments e JOIN contribution_payments p ON p.id = e.payment_id
		WHERE `+where+` ORDER BY e.year DESC, e.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonEnrollment
	for rows.Next() {
		var e PersonEnrollment
		var late, cancelled int
		var amt int64
		if err := rows.Scan(&e.Year, &e.Tier, &e.PaidOn, &late, &e.CoverFrom, &e.CoverTo, &cancelled, &e.CancelReason,
			&e.PaymentID, &e.ReceiptNo, &amt); err != nil {
			return nil, err
		}
		e.Late, e.Cancelled, e.Amount = late != 0, cancelled != 0, money.Fen(amt)
		out = append(out, e)
	}
	return out, rows.Err()
}
