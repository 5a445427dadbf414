package enroll

import (
	"context"
	"fmt"

	"ncms/internal/access"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/money"
)

// ReceiptNo formats a receipt number: the scheme year and a six-digit
// sequence, "2026-000001".
func ReceiptNo(year int, seq int64) string { return fmt.Sprintf("%d-%06d", year, seq) }

// nextReceipt takes the year's next receipt number. It runs inside the
// enrolling transaction: the UPDATE locks the year row on PostgreSQL (SQLite
// write transactions already exclude each other), and a rolled-back
// enrollment gives its number back, so numbers are unique and gap-free.
func nextReceipt(ctx context.Context, tx *db.Tx, year int) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `UPDATE scheme_years SET receipt_seq = receipt_seq + 1 WHERE year = ? RETURNING receipt_seq`, year).Scan(&seq)
	return seq, err
}

// write stores a prepared enrollment and returns the payment id.
func (s *Service) write(ctx context.Context, tx *db.Tx, act access.Actor, p plan) (int64, error) {
	q := p.quote
	seq, err := nextReceipt(ctx, tx, q.Year)
	if err != nil {
		return 0, err
	}
	no := ReceiptNo(q.Year, seq)
	now := s.stamp()
	payID, err := tx.InsertID(ctx, `INSERT INTO contribution_payments (year, receipt_seq, receipt_no, household_id, area_path,
		tier, amount, paid_on, method, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.Year, seq, no, p.household.ID, p.household.AreaPath, q.Tier, int64(q.PersonPays), q.PaidOn, p.method, now, act.Username)
	if err != nil {
		return 0, err
	}
	for _, l := range q.Lines {
		if err := s.writeLine(ctx, tx, p, l, payID, now); err != nil {
			return 0, err
		}
	}
	if err := postReceipt(ctx, tx, q, payID, no); err != nil {
		return 0, err
	}
	return payID, audit.Record(ctx, tx, "enroll.enroll", "receipt", no, nil, map[string]any{
		"household": p.household.Number, "year": q.Year, "tier": q.Tier, "persons": len(q.Lines),
		"person_pays": q.PersonPays, "civil_pays": q.CivilPays, "government": q.Government, "paid_on": q.PaidOn.String(),
	})
}

// writeLine stores one person's enrollment and contributions.
func (s *Service) writeLine(ctx context.Context, tx *db.Tx, p plan, l Line, payID int64, now string) error {
	q := p.quote
	eid, err := tx.InsertID(ctx, `INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id,
		paid_on, late, cover_from, cover_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.Year, l.PersonID, p.household.ID, p.household.AreaPath, q.Tier, payID, q.PaidOn, boolInt(l.Cover.Late),
		l.Cover.From, l.Cover.To, now)
	if db.IsUniqueViolation(err) {
		return errAlreadyEnrolled(q.Year, []string{l.Name})
	}
	if err != nil {
		return err
	}
	for _, sh := range l.Shares {
		var pay any
		if sh.Source == Individual {
			pay = payID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contributions (year, enrollment_id, person_id, area_path, tier, source,
			amount, payment_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			q.Year, eid, l.PersonID, p.household.AreaPath, q.Tier, string(sh.Source), int64(sh.Amount), pay, now); err != nil {
			return err
		}
	}
	return nil
}

// sumShares adds shares by source, keeping the order of Sources.
func sumShares(lists ...[]Share) []Share {
	t := map[Source]money.Fen{}
	for _, l := range lists {
		for _, s := range l {
			t[s.Source] += s.Amount
		}
	}
	var out []Share
	for _, src := range Sources {
		if t[src] != 0 {
			out = append(out, Share{src, t[src]})
		}
	}
	return out
}
