package enroll

import (
	"context"
	"slices"

	"ncms/internal/civil"

	"ncms/internal/db"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// loadYear reads a year with its standards and subsidies (lock: "" or
// ForUpdate, which locks the year row).
func loadYear(ctx context.Context, q db.Querier, year int, lock string) (Year, error) {
	var y Year
	var st string
	err := q.QueryRowContext(ctx, `SELECT year, period_from, period_to, window_from, window_to, waiting_days, status,
		note, receipt_seq FROM scheme_years WHERE year = ?`+lock, year).Scan(&y.Year, &y.PeriodFrom, &y.PeriodTo,
		&y.WindowFrom, &y.WindowTo, &y.WaitingDays, &st, &y.Note, &y.ReceiptSeq)
	if db.IsNoRows(err) {
		return y, errYearNotFound
	}
	if err != nil {
		return y, err
	}
	y.Status = Status(st)
	if y.Standards, err = loadStandards(ctx, q, year); err != nil {
		return y, err
	}
	y.Subsidies, err = loadSubsidies(ctx, q, year)
	return y, err
}

func loadStandards(ctx context.Context, q db.Querier, year int) ([]Standard, error) {
	rows, err := q.QueryContext(ctx, `SELECT tier, source, amount, due_date FROM contribution_standards WHERE year = ? ORDER BY tier`, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []Standard
	for rows.Next() {
		var s Standard
		var src string
		var amt int64
		if err := rows.Scan(&s.Tier, &src, &amt, &s.DueDate); err != nil {
			return nil, err
		}
		s.Source, s.Amount = Source(src), money.Fen(amt)
		all = append(all, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return orderStandards(all), nil
}

// orderStandards sorts by tier, then by the order of StandardSources.
func orderStandards(all []Standard) []Standard {
	slices.SortStableFunc(all, func(a, b Standard) int {
		if a.Tier != b.Tier {
			return a.Tier - b.Tier
		}
		return slices.Index(StandardSources, a.Source) - slices.Index(StandardSources, b.Source)
	})
	return all
}

func loadSubsidies(ctx context.Context, q db.Querier, year int) ([]Subsidy, error) {
	rows, err := q.QueryContext(ctx, `SELECT category, rate_bp, amount FROM civil_subsidies WHERE year = ?`, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byCat := map[registry.Category]Subsidy{}
	for rows.Next() {
		var s Subsidy
		var cat string
		var rate, amt int64
		if err := rows.Scan(&cat, &rate, &amt); err != nil {
			return nil, err
		}
		s.Category, s.Rate, s.Amount = registry.Category(cat), money.Rate(rate), money.Fen(amt)
		byCat[s.Category] = s
	}
	var out []Subsidy
	for _, c := range registry.AllCategories {
		if s, ok := byCat[c]; ok {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// Year returns one scheme year with its standards (any logged-in actor:
// the standards are public).
func (s *Service) Year(ctx context.Context, year int) (Year, error) {
	if _, err := actor(ctx); err != nil {
		return Year{}, err
	}
	return loadYear(ctx, s.db, year, "")
}

// Years lists the scheme years, newest first, with their standards.
func (s *Service) Years(ctx context.Context) ([]Year, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT year FROM scheme_years ORDER BY year DESC`)
	if err != nil {
		return nil, err
	}
	var ids []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, y)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Year, 0, len(ids))
	for _, id := range ids {
		y, err := loadYear(ctx, s.db, id, "")
		if err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, nil
}

// YearOn returns the year whose benefit period contains day d, if any.
func (s *Service) YearOn(ctx context.Context, d civil.Date) (Year, bool, error) {
	if _, err := actor(ctx); err != nil {
		return Year{}, false, err
	}
	var y int
	err := s.db.QueryRowContext(ctx, `SELECT year FROM scheme_years WHERE period_from <= ? AND period_to >= ?`, d, d).Scan(&y)
	if db.IsNoRows(err) {
		return Year{}, false, nil
	}
	if err != nil {
		return Year{}, false, err
	}
	yr, err := loadYear(ctx, s.db, y, "")
	return yr, err == nil, err
}
