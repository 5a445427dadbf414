package enroll

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/money"
)

// SourceLine is due against received for one source.
type SourceLine struct {
	Source      Source     `json:"source"`
	Persons     int        `json:"persons"`     // enrolled persons owing this source
	Due         money.Fen  `json:"due"`         // per enrollee × standard, net of cancellations
	Received    money.Fen  `json:"received"`    // desk payments (individual) or arrivals (others)
	Outstanding money.Fen  `json:"outstanding"` // Due − Received
	Rate        money.Rate `json:"rate_bp"`
	Percent     string     `json:"arrival_rate"`  // "86.92%", "—" when nothing is due
	RateKnown   bool       `json:"rate_known"`    // false when nothing is due
	MaxLateDays int        `json:"max_late_days"` // the latest installment's delay
}

// RateText returns the arrival rate as "86.92%" ("—" when nothing is due).
func (l SourceLine) RateText() string {
	if !l.RateKnown {
		return "—"
	}
	return FormatPercent(l.Rate)
}

// TownshipLine is what is due from the enrollees of one township.
type TownshipLine struct {
	AreaID    int64     `json:"area_id"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	Enrollees int       `json:"enrollees"`
	Due       []Share   `json:"due"` // by source
	Total     money.Fen `json:"total"`
	Paid      money.Fen `json:"paid"` // paid at the desk, net of refunds
}

// Receivables is the fund-raising position of a year in the actor's scope.
type Receivables struct {
	Year      int            `json:"year"`
	Enrollees int            `json:"enrollees"` // persons enrolled, cancellations excluded
	County    bool           `json:"county"`    // the scope is the whole county: arrivals are included
	Sources   []SourceLine   `json:"sources"`
	Total     SourceLine     `json:"total"`
	Townships []TownshipLine `json:"townships"`
	Arrivals  []Arrival      `json:"arrivals"` // county scope only
}

// Receivables reports, for a year, what is due per source from the
// enrollees in the actor's scope against what was received, with the
// arrival rate, and what is due per township. Government and civil-affairs
// arrivals are county-wide, so they appear only for a county-wide scope.
func (s *Service) Receivables(ctx context.Context, year int) (Receivables, error) {
	act, err := actor(ctx, ReadRoles...)
	if err != nil {
		return Receivables{}, err
	}
	if _, err := loadYear(ctx, s.db, year, ""); err != nil {
		return Receivables{}, err
	}
	r := Receivables{Year: year}
	if r.County, err = countyWide(ctx, s.db, act); err != nil {
		return r, err
	}
	cond, args := scopeCond(act, year)
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE year = ? AND cancelled_at IS NULL AND `+cond,
		args...).Scan(&r.Enrollees); err != nil {
		return r, err
	}
	lines, err := sourceLines(ctx, s.db, cond, args)
	if err != nil {
		return r, err
	}
	if r.County {
		if r.Arrivals, err = listArrivals(ctx, s.db, year); err != nil {
			return r, err
		}
	}
	r.Sources, r.Total = finishLines(lines, r.Arrivals)
	r.Townships, err = townships(ctx, s.db, act, cond, args)
	return r, err
}

// countyWide reports whether the actor's scope covers the county root.
func countyWide(ctx context.Context, q db.Querier, act access.Actor) (bool, error) {
	var path string
	err := q.QueryRowContext(ctx, `SELECT path FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&path)
	if db.IsNoRows(err) {
		return act.Scope.AreaPath == "/", nil
	}
	return act.Scope.CoversArea(path), err
}

// sourceLines sums due, persons and desk payments per source.
func sourceLines(ctx context.Context, q db.Querier, cond string, args []any) (map[Source]*SourceLine, error) {
	lines := map[Source]*SourceLine{}
	line := func(src Source) *SourceLine {
		if lines[src] == nil {
			lines[src] = &SourceLine{Source: src}
		}
		return lines[src]
	}
	rows, err := q.QueryContext(ctx, `SELECT source, COALESCE(SUM(amount), 0),
		SUM(CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END) FROM contributions
		WHERE year = ? AND `+cond+` GROUP BY source`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var src string
		var due int64
		var n int
		if err := rows.Scan(&src, &due, &n); err != nil {
			rows.Close()
			return nil, err
		}
		l := line(Source(src))
		l.Due, l.Persons = money.Fen(due), n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var paid int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM contribution_payments WHERE year = ? AND `+cond,
		args...).Scan(&paid); err != nil {
		return nil, err
	}
	if paid != 0 || lines[Individual] != nil {
		line(Individual).Received = money.Fen(paid)
	}
	return lines, nil
}

// finishLines adds arrivals, outstanding amounts and rates, in Sources order.
func finishLines(lines map[Source]*SourceLine, arrivals []Arrival) ([]SourceLine, SourceLine) {
	for _, a := range arrivals {
		l := lines[a.Source]
		if l == nil {
			l = &SourceLine{Source: a.Source}
			lines[a.Source] = l
		}
		l.Received += a.Amount
		if a.ReversedBy == 0 && a.LateDays > l.MaxLateDays {
			l.MaxLateDays = a.LateDays
		}
	}
	var out []SourceLine
	total := SourceLine{Source: "total"}
	for _, src := range Sources {
		l := lines[src]
		if l == nil {
			continue
		}
		l.Outstanding = l.Due - l.Received
		l.Rate, l.RateKnown = ArrivalRate(l.Received, l.Due)
		l.Percent = l.RateText()
		out = append(out, *l)
		total.Due += l.Due
		total.Received += l.Received
		total.MaxLateDays = max(total.MaxLateDays, l.MaxLateDays)
	}
	total.Outstanding = total.Due - total.Received
	total.Rate, total.RateKnown = ArrivalRate(total.Received, total.Due)
	total.Percent = total.RateText()
	return out, total
}

// townships folds due amounts and head counts by township.
func townships(ctx context.Context, q db.Querier, act access.Actor, cond string, args []any) ([]TownshipLine, error) {
	var out []TownshipLine
	rows, err := q.QueryContext(ctx, `SELECT id, name, path FROM areas WHERE level = 'township' ORDER BY code, id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t TownshipLine
		if err := rows.Scan(&t.AreaID, &t.Name, &t.Path); err != nil {
			rows.Close()
			return nil, err
		}
		if act.Scope.CoversArea(t.Path) || strings.HasPrefix(act.Scope.AreaPath, t.Path) {
			out = append(out, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	find := func(path string) *TownshipLine {
		for i := range out {
			if strings.HasPrefix(path, out[i].Path) {
				return &out[i]
			}
		}
		return nil
	}
	if err := foldTownships(ctx, q, cond, args, find); err != nil {
		return nil, err
	}
	return out, nil
}

// foldTownships adds head counts, dues and desk payments to townships.
func foldTownships(ctx context.Context, q db.Querier, cond string, args []any, find func(string) *TownshipLine) error {
	queries := []string{
		`SELECT area_path, '', COUNT(*) FROM enrollments WHERE year = ? AND cancelled_at IS NULL AND ` + cond + ` GROUP BY area_path`,
		`SELECT area_path, source, SUM(amount) FROM contributions WHERE year = ? AND ` + cond + ` GROUP BY area_path, source`,
		`SELECT area_path, 'paid', SUM(amount) FROM contribution_payments WHERE year = ? AND ` + cond + ` GROUP BY area_path`,
	}
	for i, sqlText := range queries {
		rows, err := q.QueryContext(ctx, sqlText, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var path, src string
			var n int64
			if err := rows.Scan(&path, &src, &n); err != nil {
				rows.Close()
				return err
			}
			t := find(path)
			switch {
			case t == nil:
			case i == 0:
				t.Enrollees += int(n)
			case i == 1:
				t.Due = sumShares(t.Due, []Share{{Source(src), money.Fen(n)}})
				t.Total += money.Fen(n)
			default:
				t.Paid += money.Fen(n)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// scopeCond returns the area filter on area_path and its arguments, the
// year first.
func scopeCond(act access.Actor, year int) (string, []any) {
	cond, arg := act.Scope.AreaFilter("area_path")
	if arg == nil {
		return cond, []any{year}
	}
	return cond, []any{year, arg}
}
