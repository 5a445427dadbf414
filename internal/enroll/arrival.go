package enroll

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// ArrivalInput records money received from a government level or civil
// affairs (一笔到账/预拨).
type ArrivalInput struct {
	Year      int        `json:"year"`
	Source    Source     `json:"source"`
	Amount    money.Fen  `json:"amount"` // > 0
	ArrivedOn civil.Date `json:"arrived_on"`
	DueDate   civil.Date `json:"due_date"`  // when this installment was due; zero: the standard's due date for the source
	Reference string     `json:"reference"` // document or bank-slip number
	Note      string     `json:"note"`
}

// Arrival is one installment received (or the reversal of one).
type Arrival struct {
	ID         int64      `json:"id"`
	Year       int        `json:"year"`
	Source     Source     `json:"source"`
	Amount     money.Fen  `json:"amount"`
	DueDate    civil.Date `json:"due_date"`
	ArrivedOn  civil.Date `json:"arrived_on"`
	LateDays   int        `json:"late_days"` // days after the due date (0 when on time or no due date)
	Reference  string     `json:"reference"`
	Note       string     `json:"note"`
	ReversesID int64      `json:"reverses_id"` // set on a reversal row
	ReversedBy int64      `json:"reversed_by"` // set on an installment that was reversed
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// LateDays returns how many days after due an arrival came (0 when on
// time or when there is no due date).
func LateDays(due, arrived civil.Date) int {
	if due.IsZero() || !arrived.After(due) {
		return 0
	}
	return arrived.DaysSince(due)
}

// RecordArrival records an installment received.
func (s *Service) RecordArrival(ctx context.Context, in ArrivalInput) (Arrival, error) {
	in.Reference, in.Note = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := actor(ctx, FinanceRoles...)
		if err != nil {
			return err
		}
		y, err := loadYear(ctx, tx, in.Year, "")
		if err != nil {
			return err
		}
		if err := s.checkArrival(in); err != nil {
			return err
		}
		if in.DueDate.IsZero() {
			in.DueDate = y.DueDate(in.Source)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO contribution_arrivals (year, source, amount, due_date, arrived_on, reference,
			note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Year, string(in.Source), int64(in.Amount),
			in.DueDate, in.ArrivedOn, in.Reference, in.Note, s.stamp(), act.Username)
		if err != nil {
			return err
		}
		if err := postArrival(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "enroll.arrival", "arrival", id, nil, map[string]any{"year": in.Year,
			"source": in.Source, "amount": in.Amount, "due": in.DueDate.String(), "arrived": in.ArrivedOn.String(), "reference": in.Reference})
	})
	if err != nil {
		return Arrival{}, err
	}
	return s.arrival(ctx, id)
}

func (s *Service) checkArrival(in ArrivalInput) error {
	var c apperr.Collector
	if !in.Source.Valid() || in.Source == Individual {
		c.AddField("source", "bad_source", "请选择财政或民政资金来源", "choose a government or civil-affairs source")
	}
	if in.Amount <= 0 {
		c.AddField("amount", "not_positive", "到账金额应大于0", "amount must be positive")
	}
	switch {
	case in.ArrivedOn.IsZero():
		c.AddField("arrived_on", "required", "请填写到账日期", "arrival date is required")
	case in.ArrivedOn.After(s.Today()):
		c.AddField("arrived_on", "future", "到账日期不能晚于今天", "arrival date cannot be in the future")
	}
	if len([]rune(in.Reference)) > 100 || len([]rune(in.Note)) > 500 {
		c.AddField("reference", "too_long", "文号或备注过长", "reference or note is too long")
	}
	return c.Err()
}

// ReverseArrival reverses an installment recorded in error: a new row with
// the negative amount pointing at it.
func (s *Service) ReverseArrival(ctx context.Context, id int64, reason string) (Arrival, error) {
	reason = strings.TrimSpace(reason)
	var revID int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := actor(ctx, FinanceRoles...)
		if err != nil {
			return err
		}
		if reason == "" {
			return apperr.Field("reason", "required", "请填写冲销原因", "give the reason for the reversal")
		}
		var year int
		err = tx.QueryRowContext(ctx, `SELECT year FROM contribution_arrivals WHERE id = ? AND reverses_id IS NULL`, id).Scan(&year)
		if db.IsNoRows(err) {
			return errArrivalNotFound
		}
		if err != nil {
			return err
		}
		revID, err = tx.InsertID(ctx, `INSERT INTO contribution_arrivals (year, source, amount, due_date, arrived_on, reference,
			note, reverses_id, created_at, created_by) SELECT year, source, -amount, due_date, ?, reference, ?, id, ?, ?
			FROM contribution_arrivals WHERE id = ?`, s.Today(), reason, s.stamp(), act.Username, id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "already_reversed", "该笔到账已冲销", "the arrival is already reversed")
		}
		if err != nil {
			return err
		}
		if err := postArrival(ctx, tx, revID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "enroll.arrival_reverse", "arrival", id, nil, map[string]any{"reversal_id": revID, "reason": reason})
	})
	if err != nil {
		return Arrival{}, err
	}
	return s.arrival(ctx, revID)
}

const arrivalCols = `a.id, a.year, a.source, a.amount, a.due_date, a.arrived_on, a.reference, a.note,
	COALESCE(a.reverses_id, 0), COALESCE((SELECT r.id FROM contribution_arrivals r WHERE r.reverses_id = a.id), 0),
	a.created_by, a.created_at`

func scanArrival(row interface{ Scan(...any) error }) (Arrival, error) {
	var a Arrival
	var src, at string
	var amt int64
	err := row.Scan(&a.ID, &a.Year, &src, &amt, &a.DueDate, &a.ArrivedOn, &a.Reference, &a.Note, &a.ReversesID,
		&a.ReversedBy, &a.CreatedBy, &at)
	a.Source, a.Amount = Source(src), money.Fen(amt)
	a.CreatedAt, _ = db.ParseTimestamp(at)
	if a.ReversesID == 0 {
		a.LateDays = LateDays(a.DueDate, a.ArrivedOn)
	}
	return a, err
}

func (s *Service) arrival(ctx context.Context, id int64) (Arrival, error) {
	a, err := scanArrival(s.db.QueryRowContext(ctx, `SELECT `+arrivalCols+` FROM contribution_arrivals a WHERE a.id = ?`, id))
	if db.IsNoRows(err) {
		return a, errArrivalNotFound
	}
	return a, err
}

// Arrivals lists a year's installments and reversals in order of arrival.
func (s *Service) Arrivals(ctx context.Context, year int) ([]Arrival, error) {
	if _, err := actor(ctx, ReadRoles...); err != nil {
		return nil, err
	}
	return listArrivals(ctx, s.db, year)
}

func listArrivals(ctx context.Context, q db.Querier, year int) ([]Arrival, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+arrivalCols+` FROM contribution_arrivals a WHERE a.year = ? ORDER BY a.arrived_on, a.id`, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Arrival
	for rows.Next() {
		a, err := scanArrival(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ArrivalRate returns received ÷ due as a Rate rounded to the basis point
// (0.01%), half up — the money rounding — and false when nothing is due.
func ArrivalRate(received, due money.Fen) (money.Rate, bool) {
	if due <= 0 {
		return 0, false
	}
	// Rounding: the rate to 0.01%, half away from zero, computed exactly.
	return money.Rate(money.Share(received, int64(money.Whole), int64(due))), true
}

// FormatPercent writes a rate with exactly two decimals: "86.92%", "100.00%".
func FormatPercent(r money.Rate) string {
	sign := ""
	if r < 0 {
		sign, r = "-", -r
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, r/100, r%100)
}
