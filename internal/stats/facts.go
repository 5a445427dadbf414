package stats

import (
	"context"
	"strings"

	"ncms/internal/db"
	"ncms/internal/money"
)

// Facts are the sums every indicator is computed from, for one cell (a
// period and one member of a dimension, or the whole scope). Counts of
// visits are person-times net of reversals: a settlement counts +1 on its
// date, its reversal −1 on the reversal's date; amounts likewise.
type Facts struct {
	Visits     int64 `json:"visits"`      // settled visits (real-time settlements + approved claims)
	Benefited  int64 `json:"benefited"`   // of them, visits the funds paid something for (受益人次)
	Outpatient int64 `json:"outpatient"`  // outpatient visits (clr_type 11)
	Admissions int64 `json:"admissions"`  // inpatient stays (clr_type 21)
	ReferOut   int64 `json:"referred"`    // referred out of the county (med_type 23)
	InCounty   int64 `json:"in_county"`   // visits at in-county institutions
	Claims     int64 `json:"claims"`      // of Visits, manual claims
	PoorVisits int64 `json:"poor_visits"` // visits of registered poor people (建档立卡)

	Cost         money.Fen `json:"cost"`           // total medical cost 医疗总费用
	InScope      money.Fen `json:"in_scope"`       // in-scope cost 政策范围内费用
	Basic        money.Fen `json:"basic"`          // basic compensation (NCMS pooled fund)
	Catastrophic money.Fen `json:"catastrophic"`   // catastrophic insurance
	Assistance   money.Fen `json:"assistance"`     // medical assistance
	Other        money.Fen `json:"other"`          // backstop and other funds
	Fund         money.Fen `json:"fund"`           // all layers (= compensation)
	OutCost      money.Fen `json:"out_cost"`       // outpatient cost
	InCost       money.Fen `json:"in_cost"`        // inpatient cost
	OutFund      money.Fen `json:"out_fund"`       // outpatient compensation
	InFund       money.Fen `json:"in_fund"`        // inpatient compensation
	InBasic      money.Fen `json:"in_basic"`       // inpatient basic compensation
	InCountyFund money.Fen `json:"in_county_fund"` // compensation at in-county institutions
	PoorCost     money.Fen `json:"poor_cost"`      // cost of registered poor people's visits
	PoorFund     money.Fen `json:"poor_fund"`      // all layers paid for them

	// Denominators (area dimensions and the whole scope only).
	Enrollees      int64 `json:"enrollees"`       // enrollments of the scheme year in force
	EnrolledHouses int64 `json:"enrolled_houses"` // households with at least one enrollee
	Eligible       int64 `json:"eligible"`        // registered people living in the area during the period
	Households     int64 `json:"households"`      // registered households with an eligible member

	// High-cost persons (whole scope and area dimensions): people whose
	// compensation in the period (all layers) is 10,000–30,000, 30,000–50,000,
	// or above 50,000 yuan.
	High10, High30, High50 int64
}

// add adds g's sums into f.
func (f *Facts) add(g *Facts) {
	f.Visits += g.Visits
	f.Benefited += g.Benefited
	f.Outpatient += g.Outpatient
	f.Admissions += g.Admissions
	f.ReferOut += g.ReferOut
	f.InCounty += g.InCounty
	f.Claims += g.Claims
	f.PoorVisits += g.PoorVisits
	f.Cost += g.Cost
	f.InScope += g.InScope
	f.Basic += g.Basic
	f.Catastrophic += g.Catastrophic
	f.Assistance += g.Assistance
	f.Other += g.Other
	f.Fund += g.Fund
	f.OutCost += g.OutCost
	f.InCost += g.InCost
	f.OutFund += g.OutFund
	f.InFund += g.InFund
	f.InBasic += g.InBasic
	f.InCountyFund += g.InCountyFund
	f.PoorCost += g.PoorCost
	f.PoorFund += g.PoorFund
	f.Enrollees += g.Enrollees
	f.EnrolledHouses += g.EnrolledHouses
	f.Eligible += g.Eligible
	f.Households += g.Households
	f.High10 += g.High10
	f.High30 += g.High30
	f.High50 += g.High50
}

// source is one table of compensated visits and how its columns read.
type source struct {
	table, alias, date, sign, where string
	claim                           bool
}

var (
	settleSrc = source{table: "settlements", alias: "s", date: "s.setl_date",
		sign: "(CASE WHEN s.reverses_id IS NULL THEN 1 ELSE -1 END)"}
	claimSrc = source{table: "claims", alias: "s", date: "s.approved_date", sign: "1",
		where: " AND s.stage IN ('approved', 'paid')", claim: true}
)

// sums is the select list of the visit aggregates, in Facts order.
func (src source) sums(poor string) string {
	sg := src.sign
	benefit := "CASE WHEN s.reverses_id IS NULL AND s.fund_pay_sumamt > 0 THEN 1 WHEN s.reverses_id IS NOT NULL AND s.fund_pay_sumamt < 0 THEN -1 ELSE 0 END"
	if src.claim {
		benefit = "CASE WHEN s.fund_pay_sumamt > 0 THEN 1 ELSE 0 END"
	}
	inCounty := "s.institution_id IN (SELECT id FROM institutions WHERE in_county = TRUE)"
	claims := "0"
	if src.claim {
		claims = "COUNT(*)"
	}
	// Constant columns cost nothing per row: outpatient figures are the
	// totals minus the inpatient ones (clr_type is 11 or 21), filled in by
	// derive; the poor columns are 0 when another pass counts them.
	poorCol := func(x string) string {
		if poor == "1 = 0" {
			return "0"
		}
		if poor == "1 = 1" {
			return "SUM(" + x + ")"
		}
		return "SUM(CASE WHEN " + poor + " THEN " + x + " ELSE 0 END)"
	}
	cols := []string{
		"SUM(" + sg + ")",
		"SUM(" + benefit + ")",
		"0",
		"SUM(CASE WHEN s.clr_type = '21' THEN " + sg + " ELSE 0 END)",
		"SUM(CASE WHEN s.med_type = '23' THEN " + sg + " ELSE 0 END)",
		"SUM(CASE WHEN " + inCounty + " THEN " + sg + " ELSE 0 END)",
		claims,
		poorCol(sg),
		"SUM(s.medfee_sumamt)", "SUM(s.inscp_scp_amt)", "SUM(s.hifp_pay)", "SUM(s.hifmi_pay)", "SUM(s.maf_pay)",
		"SUM(s.oth_pay)", "SUM(s.fund_pay_sumamt)",
		"0",
		"SUM(CASE WHEN s.clr_type = '21' THEN s.medfee_sumamt ELSE 0 END)",
		"0",
		"SUM(CASE WHEN s.clr_type = '21' THEN s.fund_pay_sumamt ELSE 0 END)",
		"SUM(CASE WHEN s.clr_type = '21' THEN s.hifp_pay ELSE 0 END)",
		"SUM(CASE WHEN " + inCounty + " THEN s.fund_pay_sumamt ELSE 0 END)",
		poorCol("s.medfee_sumamt"),
		poorCol("s.fund_pay_sumamt"),
	}
	for i, c := range cols {
		if c != "0" {
			cols[i] = "COALESCE(" + c + ", 0)"
		}
	}
	return strings.Join(cols, ", ")
}

func (f *Facts) visitDest() []any {
	return []any{&f.Visits, &f.Benefited, &f.Outpatient, &f.Admissions, &f.ReferOut, &f.InCounty, &f.Claims, &f.PoorVisits,
		&f.Cost, &f.InScope, &f.Basic, &f.Catastrophic, &f.Assistance, &f.Other, &f.Fund,
		&f.OutCost, &f.InCost, &f.OutFund, &f.InFund, &f.InBasic, &f.InCountyFund, &f.PoorCost, &f.PoorFund}
}

// rawKey is the SQL grouping key of a dimension before roll-up: area
// dimensions group by the patient's area path, level by institution.
func rawKey(dim Dim, src source) string {
	switch dim {
	case ByTownship, ByVillage:
		return "p.area_path"
	case ByInstitution, ByLevel:
		return "CAST(s.institution_id AS TEXT)"
	case ByKind:
		return "s.kind"
	case ByMonth:
		// The day, in the covering index's order (no sort); days are
		// rolled up into months in Go.
		return src.date
	}
	return "''"
}

// poorLike is the condition "the patient is registered poor (建档立卡)".
// (Category codes are wubao, dibao, tekun, youfu, disabled, poor, migrant:
// only "poor" contains "poor", so a plain LIKE is exact and cheaper than
// matching ",poor," in ",categories,".)
const poorLike = "p.categories LIKE '%poor%'"

// visitFacts sums compensated visits of the period in scope, keyed by the
// raw key of dim. scopePath restricts to patients living in that subtree
// ("" = everybody). The patient's registry row is joined only when the
// rows are areas or the scope is part of the county; otherwise the sums
// come from the covering index alone, and the registered-poor figures from
// a second pass over it restricted to the poor people's ids.
func visitFacts(ctx context.Context, q db.Querier, p Period, dim Dim, scopePath string) (map[string]*Facts, error) {
	return visitFactsOpt(ctx, q, p, dim, scopePath, allSources)
}

// qopts chooses the rows a visit aggregate reads.
type qopts struct {
	settle, claims bool
	// afterID > 0: only settlements with a larger id, found by id rather
	// than by date (the rows of closed days the rollup has not seen).
	afterID int64
	// live: a few rows (today's, late ones): the patient is looked up per
	// row, never a pass over persons.
	live    bool
	dialect db.Dialect
}

var allSources = qopts{settle: true, claims: true}

func visitFactsOpt(ctx context.Context, q db.Querier, p Period, dim Dim, scopePath string, o qopts) (map[string]*Facts, error) {
	join := scopePath != "" || dim == ByTownship || dim == ByVillage || o.live
	out, err := visitQuery(ctx, q, p, dim, scopePath, join, false, o)
	if err != nil || join {
		return out, err
	}
	poor, err := visitQuery(ctx, q, p, dim, "", false, true, o)
	if err != nil {
		return nil, err
	}
	for k, f := range poor {
		g := out[k]
		if g == nil {
			g = &Facts{}
			out[k] = g
		}
		g.PoorVisits, g.PoorCost, g.PoorFund = f.PoorVisits, f.PoorCost, f.PoorFund
	}
	return out, nil
}

func visitQuery(ctx context.Context, q db.Querier, p Period, dim Dim, scopePath string, join, poorOnly bool, o qopts) (map[string]*Facts, error) {
	out := map[string]*Facts{}
	personsFirst := false
	if join && !o.live {
		var err error
		if personsFirst, err = densePeriod(ctx, q, p); err != nil {
			return nil, err
		}
	}
	var srcs []source
	if o.settle {
		srcs = append(srcs, settleSrc)
	}
	if o.claims {
		srcs = append(srcs, claimSrc)
	}
	for _, src := range srcs {
		key := rawKey(dim, src)
		date, where := src.date, src.where
		args := []any{p.From, p.To}
		if o.afterID > 0 && !src.claim {
			date = noIndex(o.dialect, src.date)
			where += " AND s.id > ?"
			args = append(args, o.afterID)
		}
		from, on := " FROM "+src.table+" s", ""
		switch {
		case join && !src.claim && personsFirst:
			// Persons first, in area-path order (index persons_area_path),
			// each probing its settlements in the person-leading covering
			// index: no random reads of persons, no sort for the GROUP BY.
			from, on = " FROM persons p CROSS JOIN settlements s", "s.person_id = p.id AND "
		case join:
			from += " JOIN persons p ON p.id = s.person_id"
		}
		poor := "1 = 0" // not joined: counted by the poorOnly query
		switch {
		case join:
			poor = poorLike
		case poorOnly:
			poor = "1 = 1"
		}
		sqlText := "SELECT " + key + ", " + src.sums(poor) + from + " WHERE " + on +
			date + " >= ? AND " + date + " <= ?" + where
		if scopePath != "" {
			c, a := subtree("p.area_path", scopePath)
			sqlText += " AND " + c
			args = append(args, a...)
		}
		if poorOnly {
			// The poor people's ids, read once into a temporary index;
			// each row of the covering index probes it.
			sqlText += " AND s.person_id IN (SELECT p.id FROM persons p WHERE " + poorLike + ")"
		}
		if dim != ByNone {
			sqlText += " GROUP BY " + key
		}
		rows, err := q.QueryContext(ctx, sqlText, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var f Facts
			if err := rows.Scan(append([]any{&k}, f.visitDest()...)...); err != nil {
				rows.Close()
				return nil, err
			}
			f.Outpatient, f.OutCost, f.OutFund = f.Visits-f.Admissions, f.Cost-f.InCost, f.Fund-f.InFund
			if g := out[k]; g != nil {
				g.add(&f)
			} else {
				out[k] = &f
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// highCost counts, per area path of the patient, the people whose
// compensation in the period (all layers, settlements and claims) falls in
// each high-cost band.
func highCost(ctx context.Context, q db.Querier, p Period, scopePath string) (map[string]*Facts, error) {
	scope, args := "", []any{p.From, p.To, p.From, p.To}
	if scopePath != "" {
		c, a := subtree("p.area_path", scopePath)
		scope = " AND " + c
		args = append(args, a...)
	}
	rows, err := q.QueryContext(ctx, `SELECT p.area_path,
		SUM(CASE WHEN t.amt >= 1000000 AND t.amt < 3000000 THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.amt >= 3000000 AND t.amt < 5000000 THEN 1 ELSE 0 END),
		SUM(CASE WHEN t.amt >= 5000000 THEN 1 ELSE 0 END)
		FROM (SELECT u.person_id, SUM(u.amt) AS amt FROM (
			SELECT person_id, fund_pay_sumamt AS amt FROM settlements WHERE setl_date >= ? AND setl_date <= ?
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

// areaFacts counts the denominators per area path: enrollees and enrolled
// households of the scheme year, and the people and households registered
// in the area during the period (not moved out or deceased before it
// began). Registration dates are not used: a county's first load of its
// registry is dated the day of the load, not the day people arrived.
func areaFacts(ctx context.Context, q db.Querier, p Period, scopePath string) (map[string]*Facts, error) {
	out := map[string]*Facts{}
	get := func(k string) *Facts {
		if out[k] == nil {
			out[k] = &Facts{}
		}
		return out[k]
	}
	scope := func(col string) (string, []any) {
		if scopePath == "" {
			return "", nil
		}
		c, a := subtree(col, scopePath)
		return " AND " + c, a
	}
	sc, sa := scope("area_path")
	rows, err := q.QueryContext(ctx, `SELECT area_path, COUNT(*), COUNT(DISTINCT household_id) FROM enrollments
		WHERE year = ? AND cancelled_at IS NULL`+sc+` GROUP BY area_path`, append([]any{p.Year}, sa...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k string
		var n, h int64
		if err := rows.Scan(&k, &n, &h); err != nil {
			rows.Close()
			return nil, err
		}
		f := get(k)
		f.Enrollees, f.EnrolledHouses = n, h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT area_path, COUNT(*), COUNT(DISTINCT household_id) FROM persons
		WHERE (status = 'active' OR status_date IS NULL OR status_date >= ?)`+sc+` GROUP BY area_path`,
		append([]any{p.From}, sa...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n, h int64
		if err := rows.Scan(&k, &n, &h); err != nil {
			return nil, err
		}
		f := get(k)
		f.Eligible, f.Households = n, h
	}
	return out, rows.Err()
}

// subtree is the condition "col is the area path or lies under it" as a
// range, so that an index on col is used ('/' sorts just before '0': every
// path under "/1/5/" is ≥ "/1/5/" and < "/1/50").
func subtree(col, path string) (string, []any) {
	return col + " >= ? AND " + col + " < ?", []any{path, path[:len(path)-1] + "0"}
}

// densePeriod reports whether the period has at least one settlement for
// every four registered people: then walking persons in area order and
// probing each one's settlements beats looking a person up for each
// settlement (and sorting); for a sparse period (a month, last year's empty
// one) it does not — every person would be probed for nothing.
func densePeriod(ctx context.Context, q db.Querier, p Period) (bool, error) {
	var n, persons int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM settlements WHERE setl_date >= ? AND setl_date <= ?`, p.From, p.To).Scan(&n); err != nil {
		return false, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&persons); err != nil {
		return false, err
	}
	return n > 0 && 4*n >= persons, nil
}
