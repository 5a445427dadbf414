package enroll

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// BulkInput enrolls, in one set-based transaction, every active person of
// an area subtree who is not yet enrolled for the year — the township
// office entering a whole collection campaign's roll at once (and the
// benchmarks' way to enroll a county of a million people).
type BulkInput struct {
	Year   int        `json:"year"`
	AreaID int64      `json:"area_id"` // 0: the caller's whole scope
	Tier   int        `json:"tier"`
	PaidOn civil.Date `json:"paid_on"` // within the enrollment window (late payers go to the desk)
	Method string     `json:"method"`
}

// BulkResult says what a bulk enrollment wrote.
type BulkResult struct {
	Households  int64      `json:"households"`
	Persons     int64      `json:"persons"`
	Subsidized  int64      `json:"subsidized_left"` // people of civil-affairs categories left for the desk
	FirstSeq    int64      `json:"first_receipt_seq"`
	LastSeq     int64      `json:"last_receipt_seq"`
	BySource    []Share    `json:"by_source"`
	Total       money.Fen  `json:"total"`
	CoverFrom   civil.Date `json:"cover_from"`
	CoverTo     civil.Date `json:"cover_to"`
	LedgerEntry int64      `json:"ledger_entry"`
}

// EnrollBulk writes the same rows as Enroll — per household a payment with
// the next receipt number (households in id order), per person an
// enrollment, per person and source a contribution row — with INSERT …
// SELECT statements instead of one household at a time, and posts ONE
// ledger entry for the batch (the sum of the receipts by source; event id =
// the first payment), as internal/ledger allows for aggregate postings.
//
// Who is enrolled: active persons in the subtree, in households none of
// whose members is enrolled for the year yet (a household partly enrolled
// keeps its tier decision at the desk), and — when the year has
// civil-affairs subsidies — not of a subsidized category (their individual
// share is split with civil affairs: the desk does it). All or nothing.
func (s *Service) EnrollBulk(ctx context.Context, in BulkInput) (BulkResult, error) {
	var res BulkResult
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res = BulkResult{}
		return s.enrollBulk(ctx, tx, in, &res)
	})
	return res, err
}

func (s *Service) enrollBulk(ctx context.Context, tx *db.Tx, in BulkInput, res *BulkResult) error {
	act, err := actor(ctx, DeskRoles...)
	if err != nil {
		return err
	}
	y, err := loadYear(ctx, tx, in.Year, s.db.ForUpdate())
	if err != nil {
		return err
	}
	if y.Status != Open {
		return apperr.New(apperr.Conflict, "year_not_open", fmt.Sprintf("%d年度未开放参合（%s）", y.Year, y.Status.Zh()),
			fmt.Sprintf("year %d is not open for enrollment (%s)", y.Year, y.Status))
	}
	method := strings.TrimSpace(in.Method)
	if method == "" {
		method = "cash"
	}
	std := y.Tier(in.Tier)
	if len(std) == 0 {
		return apperr.Field("tier", "no_tier", "该档次没有筹资标准", "no contribution standard for this tier")
	}
	w, err := CoverWindow(y, in.PaidOn, civil.Date{})
	if err != nil {
		return err
	}
	if w.Late {
		return apperr.Field("paid_on", "bulk_late", "批量参合只用于集中缴费期内缴费；逾期缴费请到窗口办理",
			"bulk enrollment is for payments within the window; late payers enroll at the desk")
	}
	if in.PaidOn.After(s.Today()) {
		return apperr.Field("paid_on", "future", "缴费日期不能晚于今天", "payment date cannot be in the future")
	}
	path := act.Scope.AreaPath
	if in.AreaID != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT path FROM areas WHERE id = ?`, in.AreaID).Scan(&path); err != nil || !act.Scope.CoversArea(path) {
			return apperr.New(apperr.NotFound, "area_not_found", "地区不存在", "area not found")
		}
	}
	var individual money.Fen
	for _, st := range std {
		if st.Source == Individual {
			individual = st.Amount
		}
	}
	// The candidates: active people of the area (not subsidized when the
	// year has subsidy categories) in households with no enrollment for the
	// year. On SQLite +e.year keeps the household test on
	// enrollments_household: with year usable it prefers the covering
	// enrollments_stats (year, cancelled_at, …), which reads every
	// enrollment of the year per candidate (quadratic). On PostgreSQL the
	// unary plus is what makes it quadratic (the planner then scans
	// enrollments_one_per_year per candidate), so there it is plain.
	yearCol := "e.year"
	if s.db.Dialect() == db.SQLite {
		yearCol = "+e.year"
	}
	people := `p.status = 'active' AND p.area_path LIKE ?`
	peopleArgs := []any{path + "%"}
	free := ` AND NOT EXISTS (SELECT 1 FROM enrollments e
		WHERE e.household_id = p.household_id AND ` + yearCol + ` = ? AND e.cancelled_at IS NULL)`
	cand := people + free
	args := append(append([]any{}, peopleArgs...), in.Year)
	if len(y.Subsidies) > 0 {
		var sub []string
		var subArgs []any
		for _, c := range y.Subsidies {
			sub = append(sub, "(',' || p.categories || ',') LIKE ?")
			subArgs = append(subArgs, "%,"+c.Category+",%")
		}
		subsidized := "(" + strings.Join(sub, " OR ") + ")"
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons p WHERE `+cand+` AND `+subsidized, append(args, subArgs...)...).Scan(&res.Subsidized); err != nil {
			return err
		}
		cand += " AND NOT " + subsidized
		args = append(args, subArgs...)
		people += " AND NOT " + subsidized
		peopleArgs = append(peopleArgs, subArgs...)
	}
	now := s.stamp()
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT receipt_seq FROM scheme_years WHERE year = ?`, in.Year).Scan(&base); err != nil {
		return err
	}
	seq := "(CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY c.household_id))"
	receiptNo := "printf('%d-%06d', ?, " + seq + ")"
	if s.db.Dialect() == db.Postgres {
		receiptNo = "(CAST(? AS TEXT) || '-' || CASE WHEN " + seq + " < 1000000 THEN lpad(CAST(" + seq + " AS TEXT), 6, '0') ELSE CAST(" + seq + " AS TEXT) END)"
	}
	rnArgs := []any{in.Year, base}
	if s.db.Dialect() == db.Postgres {
		rnArgs = []any{strconv.Itoa(in.Year), base, base, base}
	}
	q := `INSERT INTO contribution_payments (year, receipt_seq, receipt_no, household_id, area_path, tier, amount, paid_on, method, created_at, created_by)
		SELECT CAST(? AS INTEGER), ` + seq + `, ` + receiptNo + `, c.household_id, h.area_path, CAST(? AS INTEGER), CAST(? AS BIGINT) * c.n, ?, ?, ?, ?
		FROM (SELECT p.household_id, COUNT(*) AS n FROM persons p WHERE ` + cand + ` GROUP BY p.household_id) c
		JOIN households h ON h.id = c.household_id`
	qa := append(append([]any{in.Year, base}, rnArgs...), in.Tier, int64(individual), in.PaidOn, method, now, act.Username)
	r, err := tx.ExecContext(ctx, q, append(qa, args...)...)
	if err != nil {
		return err
	}
	if res.Households, err = r.RowsAffected(); err != nil || res.Households == 0 {
		if err == nil {
			err = apperr.New(apperr.Conflict, "nobody_to_enroll", "没有可批量参合的人员", "nobody to enroll")
		}
		return err
	}
	res.FirstSeq, res.LastSeq = base+1, base+res.Households
	if _, err := tx.ExecContext(ctx, `UPDATE scheme_years SET receipt_seq = ? WHERE year = ?`, res.LastSeq, in.Year); err != nil {
		return err
	}
	batch := ` cp.year = ? AND cp.receipt_seq >= ? AND cp.receipt_seq <= ?`
	ba := []any{in.Year, res.FirstSeq, res.LastSeq}
	r, err = tx.ExecContext(ctx, `INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id, paid_on, late,
		cover_from, cover_to, created_at)
		SELECT CAST(? AS INTEGER), p.id, p.household_id, cp.area_path, CAST(? AS INTEGER), cp.id, ?, 0, ?, ?, ?
		FROM contribution_payments cp JOIN persons p ON p.household_id = cp.household_id
		WHERE`+batch+` AND `+people, append(append([]any{in.Year, in.Tier, in.PaidOn, w.From, w.To, now}, ba...), peopleArgs...)...)
	if err != nil {
		return err
	}
	if res.Persons, err = r.RowsAffected(); err != nil {
		return err
	}
	for _, st := range std {
		pay := "NULL"
		if st.Source == Individual {
			pay = "cp.id"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contributions (year, enrollment_id, person_id, area_path, tier, source, amount, payment_id, created_at)
			SELECT e.year, e.id, e.person_id, e.area_path, e.tier, ?, CAST(? AS BIGINT), `+pay+`, ?
			FROM enrollments e JOIN contribution_payments cp ON cp.id = e.payment_id WHERE`+batch,
			append([]any{string(st.Source), int64(st.Amount), now}, ba...)...); err != nil {
			return err
		}
		v, ok := st.Amount.Mul(res.Persons)
		if !ok {
			return fmt.Errorf("enroll: bulk total overflows")
		}
		res.BySource = append(res.BySource, Share{st.Source, v})
		res.Total += v
	}
	res.CoverFrom, res.CoverTo = w.From, w.To
	var firstID int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM contribution_payments WHERE year = ? AND receipt_seq = ?`, in.Year, res.FirstSeq).Scan(&firstID); err != nil {
		return err
	}
	first, last := ReceiptNo(in.Year, res.FirstSeq), ReceiptNo(in.Year, res.LastSeq)
	if res.LedgerEntry, err = ledger.Post(ctx, tx, ledger.ForContribution(in.Year, in.PaidOn, firstID,
		fmt.Sprintf("批量参合 收据 %s—%s，%d户%d人", first, last, res.Households, res.Persons), ledgerShares(res.BySource))); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "enroll.bulk", "receipt_batch", first+".."+last, nil, map[string]any{
		"year": in.Year, "tier": in.Tier, "area": path, "households": res.Households, "persons": res.Persons,
		"subsidized_left": res.Subsidized, "total": res.Total, "paid_on": in.PaidOn.String(),
	})
}
