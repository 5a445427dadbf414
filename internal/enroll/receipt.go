package enroll

import (
	"context"
	"strings"
	"time"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/money"
)

// ReceiptStatus says whether a receipt still stands.
type ReceiptStatus string

// The receipt statuses.
const (
	ReceiptValid    ReceiptStatus = "valid"
	ReceiptPartly   ReceiptStatus = "partly_reversed" // some of its enrollments were cancelled
	ReceiptReversed ReceiptStatus = "reversed"        // all of its enrollments were cancelled
)

// Zh returns the Chinese name of the status.
func (s ReceiptStatus) Zh() string {
	switch s {
	case ReceiptPartly:
		return "部分冲销"
	case ReceiptReversed:
		return "已冲销"
	}
	return "有效"
}

// Receipt is a payment at the enrollment desk with what it paid for: the
// printable 参合缴费收据.
type Receipt struct {
	PaymentID       int64         `json:"payment_id"`
	No              string        `json:"receipt_no"`
	Year            int           `json:"year"`
	Tier            int           `json:"tier"`
	HouseholdID     int64         `json:"household_id"`
	HouseholdNumber string        `json:"household_number"`
	HeadName        string        `json:"head_name"`
	Address         string        `json:"address"`
	AreaNames       string        `json:"area_names"` // township, village, group
	PaidOn          civil.Date    `json:"paid_on"`
	Method          string        `json:"method"`
	Clerk           string        `json:"clerk"`
	IssuedAt        time.Time     `json:"issued_at"`
	Lines           []ReceiptLine `json:"lines"`
	PersonPays      money.Fen     `json:"person_pays"` // paid at the desk (the receipt's amount)
	CivilPays       money.Fen     `json:"civil_pays"`
	Government      money.Fen     `json:"government"`
	Total           money.Fen     `json:"total"`
	BySource        []Share       `json:"by_source"`
	Refunded        money.Fen     `json:"refunded"` // refunded by cancellations (positive)
	Reversals       []Reversal    `json:"reversals"`
	Status          ReceiptStatus `json:"status"`
}

// ReceiptLine is one person on a receipt.
type ReceiptLine struct {
	EnrollmentID int64      `json:"enrollment_id"`
	PersonID     int64      `json:"person_id"`
	Name         string     `json:"name"`
	MaskedID     string     `json:"masked_id"`
	Relation     string     `json:"relation"`
	Shares       []Share    `json:"shares"`
	PersonPays   money.Fen  `json:"person_pays"`
	CivilPays    money.Fen  `json:"civil_pays"`
	Government   money.Fen  `json:"government"`
	Total        money.Fen  `json:"total"`
	From         civil.Date `json:"from"`
	To           civil.Date `json:"to"`
	Late         bool       `json:"late"`
	Cancelled    bool       `json:"cancelled"`
}

// Reversal is a cancellation of (part of) a receipt.
type Reversal struct {
	PaymentID int64      `json:"payment_id"`
	Refund    money.Fen  `json:"refund"` // refunded to the payer (positive)
	On        civil.Date `json:"on"`
	Reason    string     `json:"reason"`
	By        string     `json:"by"`
	At        time.Time  `json:"at"`
}

// Receipt returns a receipt by payment id, in the actor's scope.
func (s *Service) Receipt(ctx context.Context, paymentID int64) (Receipt, error) {
	return s.receipt(ctx, `p.id = ?`, paymentID)
}

// ReceiptByNo returns a receipt by its number ("2026-000001").
func (s *Service) ReceiptByNo(ctx context.Context, no string) (Receipt, error) {
	return s.receipt(ctx, `p.receipt_no = ?`, strings.TrimSpace(no))
}

func (s *Service) receipt(ctx context.Context, where string, arg any) (Receipt, error) {
	act, err := actor(ctx, ReadRoles...)
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	var path, created string
	err = s.db.QueryRowContext(ctx, `SELECT p.id, p.receipt_no, p.year, p.tier, p.household_id, h.number, h.address,
		COALESCE((SELECT name FROM persons WHERE id = h.head_person_id), ''), p.area_path, p.paid_on, p.method,
		p.created_by, p.created_at FROM contribution_payments p JOIN households h ON h.id = p.household_id
		WHERE p.reverses_id IS NULL AND `+where, arg).Scan(&r.PaymentID, &r.No, &r.Year, &r.Tier, &r.HouseholdID,
		&r.HouseholdNumber, &r.Address, &r.HeadName, &path, &r.PaidOn, &r.Method, &r.Clerk, &created)
	if db.IsNoRows(err) || (err == nil && !act.Scope.CoversArea(path)) {
		return Receipt{}, errPaymentNotFound
	}
	if err != nil {
		return r, err
	}
	r.IssuedAt, _ = db.ParseTimestamp(created)
	if r.AreaNames, err = areaNames(ctx, s.db, path); err != nil {
		return r, err
	}
	if err := s.receiptLines(ctx, &r); err != nil {
		return r, err
	}
	return r, s.receiptReversals(ctx, &r)
}

// receiptLines fills the persons of a receipt and the totals.
// COALESCE(reverses_id, 0) = 0 rather than reverses_id IS NULL: without
// statistics SQLite otherwise reads contributions through the unique index
// on reverses_id, i.e. every contribution of every year, per receipt.
func (s *Service) receiptLines(ctx context.Context, r *Receipt) error {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.person_id, pe.name, COALESCE(pe.id_number, ''), pe.relation,
		e.cover_from, e.cover_to, e.late, CASE WHEN e.cancelled_at IS NULL THEN 0 ELSE 1 END, c.source, c.amount
		FROM enrollments e JOIN persons pe ON pe.id = e.person_id
		JOIN contributions c ON c.enrollment_id = e.id AND COALESCE(c.reverses_id, 0) = 0
		WHERE e.payment_id = ? ORDER BY e.id, c.id`, r.PaymentID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l ReceiptLine
		var idn, src string
		var late, cancelled int
		var amt int64
		if err := rows.Scan(&l.EnrollmentID, &l.PersonID, &l.Name, &idn, &l.Relation, &l.From, &l.To, &late, &cancelled, &src, &amt); err != nil {
			return err
		}
		if n := len(r.Lines); n == 0 || r.Lines[n-1].EnrollmentID != l.EnrollmentID {
			l.MaskedID, l.Late, l.Cancelled = idcard.Mask(idn), late == 1, cancelled == 1
			r.Lines = append(r.Lines, l)
		}
		addShare(&r.Lines[len(r.Lines)-1], Share{Source(src), money.Fen(amt)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var all [][]Share
	for _, l := range r.Lines {
		r.PersonPays += l.PersonPays
		r.CivilPays += l.CivilPays
		r.Government += l.Government
		r.Total += l.Total
		all = append(all, l.Shares)
	}
	r.BySource = sumShares(all...)
	return nil
}

func addShare(l *ReceiptLine, sh Share) {
	l.Shares = append(l.Shares, sh)
	l.Total += sh.Amount
	switch sh.Source {
	case Individual:
		l.PersonPays += sh.Amount
	case CivilAffairs:
		l.CivilPays += sh.Amount
	default:
		l.Government += sh.Amount
	}
}

// receiptReversals fills the cancellations and the status.
func (s *Service) receiptReversals(ctx context.Context, r *Receipt) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, amount, paid_on, reason, created_by, created_at
		FROM contribution_payments WHERE reverses_id = ? ORDER BY id`, r.PaymentID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v Reversal
		var amt int64
		var at string
		if err := rows.Scan(&v.PaymentID, &amt, &v.On, &v.Reason, &v.By, &at); err != nil {
			return err
		}
		v.Refund = -money.Fen(amt)
		v.At, _ = db.ParseTimestamp(at)
		r.Refunded += v.Refund
		r.Reversals = append(r.Reversals, v)
	}
	cancelled := 0
	for _, l := range r.Lines {
		if l.Cancelled {
			cancelled++
		}
	}
	switch {
	case cancelled > 0 && cancelled == len(r.Lines):
		r.Status = ReceiptReversed
	case cancelled > 0:
		r.Status = ReceiptPartly
	default:
		r.Status = ReceiptValid
	}
	return rows.Err()
}

// areaNames returns the names of the areas on a path below the county.
func areaNames(ctx context.Context, q db.Querier, path string) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM areas WHERE ? LIKE path || '%' AND parent_id IS NOT NULL ORDER BY LENGTH(path)`, path)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
		names = append(names, n)
	}
	return strings.Join(names, " "), rows.Err()
}
