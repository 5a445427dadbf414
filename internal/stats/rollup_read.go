package stats

import (
	"context"
	"strings"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// rollupServes reports whether the rollup has the rows of a cube: the
// county by any dimension (per day), and a township's or village's own
// figures by anything but visit kind (per month and village).
func rollupServes(dim Dim, scopePath string) bool {
	if scopePath == "" {
		return true
	}
	return strings.Count(scopePath, "/")-1 <= 3 && dim != ByKind
}

// rolledVisits is visitFacts computed from the rollup and the live rows:
// the rolled sums of the period (R(mark)), the settlements of the period
// outside R, and the period's claims. It gives the same figures as
// visitFacts (TestRollupMatchesDirect).
func rolledVisits(ctx context.Context, q db.Querier, dl db.Dialect, p Period, dim Dim, scopePath string) (map[string]*Facts, error) {
	m, err := readMark(ctx, q, "")
	if err != nil {
		return nil, err
	}
	inCounty := map[int64]bool{}
	rows, err := q.QueryContext(ctx, `SELECT id FROM institutions WHERE in_county = TRUE`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		inCounty[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]*Facts{}
	merge := func(part map[string]*Facts) {
		for k, f := range part {
			if g := out[k]; g != nil {
				g.add(f)
			} else {
				out[k] = f
			}
		}
	}
	// live adds the settlements of [from, to] that are not rolled up.
	live := func(from, to civil.Date) error {
		if to.Before(from) {
			return nil
		}
		c := m.closed
		if !to.Before(c) { // days from the mark on: all live
			part, err := visitFactsOpt(ctx, q, Custom(p.Year, maxDate(from, c), to), dim, scopePath, qopts{settle: true, live: true, dialect: dl})
			if err != nil {
				return err
			}
			merge(part)
		}
		if from.Before(c) { // closed days: rows written after the refresh
			part, err := visitFactsOpt(ctx, q, Custom(p.Year, from, minDate(to, c.AddDays(-1))), dim, scopePath,
				qopts{settle: true, afterID: m.settleID, live: true, dialect: dl})
			if err != nil {
				return err
			}
			merge(part)
		}
		return nil
	}
	if scopePath == "" && dim != ByTownship && dim != ByVillage {
		key := map[Dim]string{ByNone: "''", ByInstitution: "institution_id", ByLevel: "institution_id", ByKind: "kind", ByMonth: "day"}[dim]
		part, err := rolled(ctx, q, `SELECT `+key+`, institution_id, clr_type, refer, poor, `+sumSelect+`
			FROM stats_rollup_day WHERE day >= ? AND day <= ? GROUP BY `+groupBy(key),
			inCounty, p.From.String(), p.To.String())
		if err != nil {
			return nil, err
		}
		merge(part)
		if err := live(p.From, p.To); err != nil {
			return nil, err
		}
	} else {
		// Whole months from the area rollup, the days around them direct.
		first, last := p.From, p.To
		if first.Day != 1 {
			first = civil.New(first.Year, first.Month+1, 1)
		}
		if next := last.AddDays(1); next.Day != 1 {
			last = civil.New(last.Year, last.Month, 0)
		}
		edges := [][2]civil.Date{{p.From, p.To}}
		if !last.Before(first) {
			edges = [][2]civil.Date{{p.From, first.AddDays(-1)}, {last.AddDays(1), p.To}}
			key := map[Dim]string{ByNone: "''", ByTownship: "area", ByVillage: "area", ByInstitution: "institution_id",
				ByLevel: "institution_id", ByMonth: "month"}[dim]
			where, args := "", []any{first.String()[:7], last.String()[:7]}
			if scopePath != "" {
				c, a := subtree("area", scopePath)
				where, args = " AND "+c, append(args, a...)
			}
			part, err := rolled(ctx, q, `SELECT `+key+`, institution_id, clr_type, refer, poor, `+sumSelect+`
				FROM stats_rollup_area WHERE month >= ? AND month <= ?`+where+` GROUP BY `+groupBy(key),
				inCounty, args...)
			if err != nil {
				return nil, err
			}
			merge(part)
			if err := live(first, last); err != nil {
				return nil, err
			}
		}
		for _, e := range edges {
			if e[1].Before(e[0]) {
				continue
			}
			part, err := visitFactsOpt(ctx, q, Custom(p.Year, e[0], e[1]), dim, scopePath, qopts{settle: true, live: true, dialect: dl})
			if err != nil {
				return nil, err
			}
			merge(part)
		}
	}
	claims, err := visitFactsOpt(ctx, q, p, dim, scopePath, qopts{claims: true, live: true, dialect: dl})
	if err != nil {
		return nil, err
	}
	merge(claims)
	return out, nil
}

// groupBy is the GROUP BY list of a rollup read keyed by key (PostgreSQL
// refuses a constant in it).
func groupBy(key string) string {
	g := "institution_id, clr_type, refer, poor"
	if key != "''" && key != "institution_id" {
		g = key + ", " + g
	}
	return g
}

const sumSelect = `SUM(visits), SUM(benefited), SUM(cost), SUM(in_scope), SUM(basic), SUM(catastrophic),
	SUM(assistance), SUM(other), SUM(fund)`

// rolled reads rollup rows grouped by (key, institution, clr_type, refer,
// poor) into facts by key, as the direct aggregates (facts.go: sums)
// count them.
func rolled(ctx context.Context, q db.Querier, sqlText string, inCounty map[int64]bool, args ...any) (map[string]*Facts, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*Facts{}
	for rows.Next() {
		var k, clr string
		var inst int64
		var refer, poor int
		var s sums
		if err := rows.Scan(&k, &inst, &clr, &refer, &poor, &s.visits, &s.benefited, &s.cost, &s.inScope, &s.basic,
			&s.catastrophic, &s.assistance, &s.other, &s.fund); err != nil {
			return nil, err
		}
		f := out[k]
		if f == nil {
			f = &Facts{}
			out[k] = f
		}
		f.Visits += s.visits
		f.Benefited += s.benefited
		f.Cost += money.Fen(s.cost)
		f.InScope += money.Fen(s.inScope)
		f.Basic += money.Fen(s.basic)
		f.Catastrophic += money.Fen(s.catastrophic)
		f.Assistance += money.Fen(s.assistance)
		f.Other += money.Fen(s.other)
		f.Fund += money.Fen(s.fund)
		if clr == "21" {
			f.Admissions += s.visits
			f.InCost += money.Fen(s.cost)
			f.InFund += money.Fen(s.fund)
			f.InBasic += money.Fen(s.basic)
		}
		if refer == 1 {
			f.ReferOut += s.visits
		}
		if inCounty[inst] {
			f.InCounty += s.visits
			f.InCountyFund += money.Fen(s.fund)
		}
		if poor == 1 {
			f.PoorVisits += s.visits
			f.PoorCost += money.Fen(s.cost)
			f.PoorFund += money.Fen(s.fund)
		}
	}
	for _, f := range out {
		f.Outpatient, f.OutCost, f.OutFund = f.Visits-f.Admissions, f.Cost-f.InCost, f.Fund-f.InFund
	}
	return out, rows.Err()
}

// rolledHigh is highCost with the rollup narrowing the people summed: only
// those whose positive compensation rolled up for the year reaches the
// lowest band, or who have live settlements or claims in the period, can
// be in a band; their exact sums come from their own rows.
func rolledHigh(ctx context.Context, q db.Querier, dl db.Dialect, p Period, scopePath string) (map[string]*Facts, error) {
	m, err := readMark(ctx, q, "")
	if err != nil {
		return nil, err
	}
	if p.From.Year != p.To.Year || m.closed.IsZero() {
		return highCost(ctx, q, p, scopePath)
	}
	cand := `SELECT person_id FROM stats_rollup_person WHERE year = ? AND pos_fund >= 1000000
		UNION SELECT person_id FROM claims WHERE approved_date >= ? AND approved_date <= ? AND stage IN ('approved', 'paid')`
	args := []any{p.From.Year, p.From, p.To}
	if !p.To.Before(m.closed) {
		cand += ` UNION SELECT person_id FROM settlements WHERE setl_date >= ? AND setl_date <= ?`
		args = append(args, maxDate(p.From, m.closed), p.To)
	}
	if p.From.Before(m.closed) {
		d := noIndex(dl, "setl_date")
		cand += ` UNION SELECT person_id FROM settlements WHERE id > ? AND ` + d + ` >= ? AND ` + d + ` <= ?`
		args = append(args, m.settleID, p.From, minDate(p.To, m.closed.AddDays(-1)))
	}
	scope := ""
	args = append(args, p.From, p.To, p.From, p.To)
	if scopePath != "" {
		c, a := subtree("p.area_path", scopePath)
		scope = " AND " + c
		args = append(args, a...)
	}
	rows, err := q.QueryContext(ctx, `WITH cand AS (`+cand+`)
		SELECT p.area_path,
		SUM(CASE WHEN t.amt >= 1000000 AND t.amt < 3000000 THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.amt >= 3000000 AND t.amt < 5000000 THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.amt >= 5000000 THEN 1 ELSE 0 END)
		FROM (SELECT u.person_id, SUM(u.amt) AS amt FROM (
			SELECT s.person_id, s.fund_pay_sumamt AS amt FROM cand c CROSS JOIN settlements s
				WHERE s.person_id = c.person_id AND s.setl_date >= ? AND s.setl_date <= ?
			UNION ALL
			SELECT person_id, fund_pay_sumamt FROM claims WHERE approved_date >= ? AND approved_date <= ? AND stage IN ('approved', 'paid')
		) u GROUP BY u.person_id HAVING SUM(u.amt) >= 1000000) t
		JOIN persons p ON p.id = t.person_id WHERE 1 = 1`+scope+` GROUP BY p.area_path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*Facts{}
	for rows.Next() {
		var k string
		var f Facts
		if err := rows.Scan(&k, &f.High10, &f.High30, &f.High50); err != nil {
			return nil, err
		}
		out[k] = &f
	}
	return out, rows.Err()
}

func maxDate(a, b civil.Date) civil.Date {
	if a.Before(b) {
		return b
	}
	return a
}

func minDate(a, b civil.Date) civil.Date {
	if a.Before(b) {
		return a
	}
	return b
}
