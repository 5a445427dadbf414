package enroll

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// EnrollmentInfo is a person's (latest) enrollment for a year.
type EnrollmentInfo struct {
	ID        int64      `json:"id"`
	Tier      int        `json:"tier"`
	From      civil.Date `json:"from"`
	To        civil.Date `json:"to"`
	Late      bool       `json:"late"`
	PaymentID int64      `json:"payment_id"`
	ReceiptNo string     `json:"receipt_no"`
	Cancelled bool       `json:"cancelled"`
}

// MemberStatus is a household member with their enrollment for the year.
type MemberStatus struct {
	Member
	Status     registry.Status `json:"status"`
	Enrollment *EnrollmentInfo `json:"enrollment"` // nil when never enrolled for the year
}

// ReceiptSummary is one receipt in a household's list.
type ReceiptSummary struct {
	PaymentID int64         `json:"payment_id"`
	No        string        `json:"receipt_no"`
	Year      int           `json:"year"`
	Tier      int           `json:"tier"`
	PaidOn    civil.Date    `json:"paid_on"`
	Amount    money.Fen     `json:"amount"`
	Persons   int           `json:"persons"`
	Status    ReceiptStatus `json:"status"`
}

// HouseholdStatus is what the enrollment desk shows for a household.
type HouseholdStatus struct {
	HouseholdID int64            `json:"household_id"`
	Number      string           `json:"number"`
	Address     string           `json:"address"`
	AreaNames   string           `json:"area_names"`
	Year        int              `json:"year"`
	Tier        int              `json:"tier"`     // the household's tier this year (0 when nobody is enrolled)
	Enrolled    int              `json:"enrolled"` // active members enrolled this year
	Pending     int              `json:"pending"`  // active members not enrolled this year
	Members     []MemberStatus   `json:"members"`
	Receipts    []ReceiptSummary `json:"receipts"` // every year, newest first
}

// Household returns a household in the actor's scope with each member's
// enrollment for the year and the household's receipts.
func (s *Service) Household(ctx context.Context, householdID int64, year int) (HouseholdStatus, error) {
	act, err := actor(ctx, ReadRoles...)
	if err != nil {
		return HouseholdStatus{}, err
	}
	h, err := loadHousehold(ctx, s.db, act, householdID)
	if err != nil {
		return HouseholdStatus{}, err
	}
	hs := HouseholdStatus{HouseholdID: h.ID, Number: h.Number, Year: year}
	if err := s.db.QueryRowContext(ctx, `SELECT address FROM households WHERE id = ?`, h.ID).Scan(&hs.Address); err != nil {
		return hs, err
	}
	if hs.AreaNames, err = areaNames(ctx, s.db, h.AreaPath); err != nil {
		return hs, err
	}
	if err := memberStatuses(ctx, s.db, &hs); err != nil {
		return hs, err
	}
	hs.Receipts, err = receiptSummaries(ctx, s.db, h.ID)
	return hs, err
}

// memberStatuses fills the members, active first, with their enrollment.
func memberStatuses(ctx context.Context, q db.Querier, hs *HouseholdStatus) error {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, COALESCE(p.id_number, ''), p.relation, p.birth_date, p.categories, p.status,
		COALESCE(e.id, 0), COALESCE(e.tier, 0), COALESCE(e.cover_from, ''), COALESCE(e.cover_to, ''), COALESCE(e.late, 0),
		COALESCE(e.payment_id, 0), COALESCE(cp.receipt_no, ''), CASE WHEN e.cancelled_at IS NULL THEN 0 ELSE 1 END
		FROM persons p
		LEFT JOIN enrollments e ON e.id = (SELECT MAX(x.id) FROM enrollments x WHERE x.person_id = p.id AND x.year = ?)
		LEFT JOIN contribution_payments cp ON cp.id = e.payment_id
		WHERE p.household_id = ?
		ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, CASE WHEN p.relation = ? THEN 0 ELSE 1 END, p.birth_date, p.id`,
		hs.Year, hs.HouseholdID, registry.Head)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m MemberStatus
		var e EnrollmentInfo
		var idn, cats, st string
		var late, cancelled int
		if err := rows.Scan(&m.PersonID, &m.Name, &idn, &m.Relation, &m.BirthDate, &cats, &st, &e.ID, &e.Tier, &e.From, &e.To,
			&late, &e.PaymentID, &e.ReceiptNo, &cancelled); err != nil {
			return err
		}
		m.MaskedID, m.Status = idcard.Mask(idn), registry.Status(st)
		m.Categories, _ = registry.ParseCategories(cats)
		if e.ID != 0 {
			e.Late, e.Cancelled = late == 1, cancelled == 1
			m.Enrollment = &e
		}
		switch {
		case m.Status != registry.Active:
		case e.ID != 0 && !e.Cancelled:
			hs.Enrolled++
			hs.Tier = e.Tier
		default:
			hs.Pending++
		}
		hs.Members = append(hs.Members, m)
	}
	return rows.Err()
}

// receiptSummaries lists a household's receipts, newest first.
func receiptSummaries(ctx context.Context, q db.Querier, household int64) ([]ReceiptSummary, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.receipt_no, p.year, p.tier, p.paid_on, p.amount,
		(SELECT COUNT(*) FROM enrollments e WHERE e.payment_id = p.id),
		(SELECT COUNT(*) FROM enrollments e WHERE e.payment_id = p.id AND e.cancelled_at IS NOT NULL)
		FROM contribution_payments p WHERE p.household_id = ? AND p.reverses_id IS NULL ORDER BY p.year DESC, p.id DESC`, household)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReceiptSummary{}
	for rows.Next() {
		var r ReceiptSummary
		var amt int64
		var cancelled int
		if err := rows.Scan(&r.PaymentID, &r.No, &r.Year, &r.Tier, &r.PaidOn, &amt, &r.Persons, &cancelled); err != nil {
			return nil, err
		}
		r.Amount = money.Fen(amt)
		switch {
		case cancelled == 0:
			r.Status = ReceiptValid
		case cancelled == r.Persons:
			r.Status = ReceiptReversed
		default:
			r.Status = ReceiptPartly
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
