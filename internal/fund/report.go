package fund

import (
	"context"
	"fmt"
	"strings"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// The surplus limits (a Shandong rule, SPEC §9) and the utilization target.
const (
	YearSurplusLimit       money.Rate = 1500 // same-year surplus ≤ 15% of the year's fund
	CumulativeSurplusLimit money.Rate = 2500 // cumulative surplus ≤ 25% of the year's fund
	UtilizationTarget      money.Rate = 8500 // fund utilization ≥ 85%
)

// SourceLine is one source's income: due (contribution income), received
// (paid at the desk, or arrivals), arrival rate and the latest delay.
type SourceLine struct {
	Source      string     `json:"source"`
	Due         money.Fen  `json:"due"`
	Received    money.Fen  `json:"received"`
	Outstanding money.Fen  `json:"outstanding"`
	Rate        money.Rate `json:"arrival_rate_bp"`
	RateKnown   bool       `json:"rate_known"`
	LateDays    int        `json:"late_days"` // most days any arrival came after its due date
}

// Amount is a named amount of a breakdown.
type Amount struct {
	Key    string    `json:"key"`
	Zh     string    `json:"name_zh"`
	Amount money.Fen `json:"amount"`
}

// Month is planned against actual spending in one month.
type Month struct {
	Month     string     `json:"month"` // "2026-01"
	From, To  civil.Date `json:"-"`
	Plan      money.Fen  `json:"plan"`
	Actual    money.Fen  `json:"actual"`
	Rate      money.Rate `json:"rate_bp"` // actual ÷ plan
	CumPlan   money.Fen  `json:"cum_plan"`
	CumActual money.Fen  `json:"cum_actual"`
	CumRate   money.Rate `json:"cum_rate_bp"`
}

// Report is the fund report of a scheme year (SPEC §9, §12).
type Report struct {
	Year       int          `json:"year"`
	PeriodFrom civil.Date   `json:"period_from"`
	PeriodTo   civil.Date   `json:"period_to"`
	Enrollees  int64        `json:"enrollees"`
	Income     []SourceLine `json:"income"`
	IncomeSum  SourceLine   `json:"income_total"`
	Interest   money.Fen    `json:"interest"`
	Allocation Allocation   `json:"allocation"` // latest; Compute with the report's figures when none was set

	ByLayer    []Amount  `json:"by_layer"`
	ByKind     []Amount  `json:"by_kind"`
	ByLevel    []Amount  `json:"by_level"`
	Deductions money.Fen `json:"deductions"`
	Spent      money.Fen `json:"spent"` // compensation − deductions

	Utilization       money.Rate `json:"utilization_bp"`        // spent ÷ usable
	UtilizationRaised money.Rate `json:"utilization_raised_bp"` // spent ÷ raised
	YearSurplus       money.Fen  `json:"year_surplus"`          // raised − spent
	YearSurplusRatio  money.Rate `json:"year_surplus_bp"`       // ÷ raised
	YearSurplusOver   bool       `json:"year_surplus_over"`     // above 15%
	Balance           money.Fen  `json:"balance"`               // cumulative: net assets of the fund up to this year
	CumulativeRatio   money.Rate `json:"cumulative_bp"`         // balance ÷ raised
	CumulativeLimit   money.Fen  `json:"cumulative_limit"`      // raised × 25%
	Excess            money.Fen  `json:"excess"`                // balance − limit when over, else 0
	Months            []Month    `json:"months"`
}

// Ratio returns a ÷ b as a Rate to the basis point (0.01%), half away
// from zero — the same single rounding step as money — and 0 when b ≤ 0.
func Ratio(a, b money.Fen) money.Rate {
	if b <= 0 {
		return 0
	}
	return money.Rate(money.Share(a, int64(money.Whole), int64(b)))
}

// Report computes the fund report of a year from the ledger.
func (s *Service) Report(ctx context.Context, year int) (Report, error) {
	if _, err := ledger.Authorize(ctx, ledger.ReadRoles...); err != nil {
		return Report{}, err
	}
	return Build(ctx, s.db, year)
}

// Build computes the report without the role check (for tests and tools).
func Build(ctx context.Context, q db.Querier, year int) (Report, error) {
	r := Report{Year: year}
	var err error
	if r.PeriodFrom, r.PeriodTo, err = period(ctx, q, year); err != nil {
		return r, err
	}
	if r.Enrollees, err = Enrollees(ctx, q, year); err != nil {
		return r, err
	}
	if err := r.income(ctx, q); err != nil {
		return r, err
	}
	if err := r.spending(ctx, q); err != nil {
		return r, err
	}
	if r.Allocation, err = latestAllocation(ctx, q, year); err != nil {
		return r, err
	}
	if r.Allocation.Version == 0 {
		r.Allocation = Compute(r.IncomeSum.Due, r.Enrollees, 0, nil)
		r.Allocation.Year = year
	}
	raised, usable := r.IncomeSum.Due, r.Allocation.Usable
	r.Utilization, r.UtilizationRaised = Ratio(r.Spent, usable), Ratio(r.Spent, raised)
	r.YearSurplus = raised - r.Spent
	r.YearSurplusRatio = Ratio(r.YearSurplus, raised)
	r.YearSurplusOver = raised > 0 && r.YearSurplusRatio > YearSurplusLimit
	if r.Balance, err = balance(ctx, q, year); err != nil {
		return r, err
	}
	r.CumulativeRatio = Ratio(r.Balance, raised)
	r.CumulativeLimit = raised.MulRate(CumulativeSurplusLimit) // rounding: to the fen, half up
	if r.Balance > r.CumulativeLimit {
		r.Excess = r.Balance - r.CumulativeLimit
	}
	return r, r.months(ctx, q)
}

// period returns the benefit period of the year (1 Jan – 31 Dec when the
// year is not configured).
func period(ctx context.Context, q db.Querier, year int) (civil.Date, civil.Date, error) {
	var from, to civil.Date
	err := q.QueryRowContext(ctx, `SELECT period_from, period_to FROM scheme_years WHERE year = ?`, year).Scan(&from, &to)
	if db.IsNoRows(err) {
		return civil.New(year, 1, 1), civil.New(year, 12, 31), nil
	}
	return from, to, err
}

// income reads due and received per source and the interest.
func (r *Report) income(ctx context.Context, q db.Querier) error {
	rows, err := q.QueryContext(ctx, `SELECT account, sub_key, event_kind, COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0)
		FROM ledger_postings WHERE account IN ('1001', '1101', '4101', '4201') AND year = ?
		GROUP BY account, sub_key, event_kind`, r.Year) // one range of ledger_postings_report per account, in its order
	if err != nil {
		return err
	}
	lines := map[string]*SourceLine{}
	line := func(src string) *SourceLine {
		if lines[src] == nil {
			lines[src] = &SourceLine{Source: src}
		}
		return lines[src]
	}
	for rows.Next() {
		var acct, key, kind string
		var d, c int64
		if err := rows.Scan(&acct, &key, &kind, &d, &c); err != nil {
			rows.Close()
			return err
		}
		dr, cr := money.Fen(d), money.Fen(c)
		k := ledger.EventKind(kind)
		switch ledger.Code(acct) {
		case ledger.ContributionIncome:
			line(key).Due += cr - dr
		case ledger.InterestIncome:
			r.Interest += cr - dr
		case ledger.Bank:
			if k == ledger.EvContribution || k == ledger.EvContributionRefund {
				line(ledger.IndividualSource).Received += dr - cr
			}
		case ledger.Receivable:
			if k == ledger.EvArrival || k == ledger.EvArrivalReversal {
				line(key).Received += cr - dr
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	late, err := lateDays(ctx, q, r.Year)
	if err != nil {
		return err
	}
	for _, src := range sourceOrder(lines) {
		l := lines[src]
		l.Outstanding = l.Due - l.Received
		l.Rate, l.RateKnown = Ratio(l.Received, l.Due), l.Due > 0
		l.LateDays = late[src]
		r.Income = append(r.Income, *l)
		r.IncomeSum.Due += l.Due
		r.IncomeSum.Received += l.Received
		r.IncomeSum.LateDays = max(r.IncomeSum.LateDays, l.LateDays)
	}
	t := &r.IncomeSum
	t.Source, t.Outstanding = "total", t.Due-t.Received
	t.Rate, t.RateKnown = Ratio(t.Received, t.Due), t.Due > 0
	return nil
}

// Sources in display order (as internal/enroll shows them).
var Sources = []string{"individual", "civil_affairs", "central", "provincial", "city", "county", "township", "government"}

func sourceOrder(m map[string]*SourceLine) []string {
	var out []string
	for _, s := range Sources {
		if m[s] != nil {
			out = append(out, s)
		}
	}
	for s := range m {
		found := false
		for _, o := range out {
			found = found || o == s
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// lateDays returns per source the most days an arrival (not reversed) came
// after its due date.
func lateDays(ctx context.Context, q db.Querier, year int) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.source, a.due_date, a.arrived_on FROM contribution_arrivals a WHERE a.year = ?
		AND a.reverses_id IS NULL AND a.due_date IS NOT NULL AND a.due_date <> ''
		AND NOT EXISTS (SELECT 1 FROM contribution_arrivals r WHERE r.reverses_id = a.id)`, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var src string
		var due, on civil.Date
		if err := rows.Scan(&src, &due, &on); err != nil {
			return nil, err
		}
		if on.After(due) {
			out[src] = max(out[src], on.DaysSince(due))
		}
	}
	return out, rows.Err()
}

// LayerNames are the Chinese names of the compensation layers by account.
var LayerNames = map[ledger.Code]string{
	ledger.ExpenseBasic: "基本医疗", ledger.ExpenseCatastrophic: "大病保险", ledger.ExpenseAssistance: "医疗救助",
	ledger.ExpenseBackstop: "政府兜底", ledger.ExpensePublicHealth: "公共卫生",
}

// LevelNames are the Chinese names of institution levels ("" = no
// institution: manual reimbursement outside the system).
var LevelNames = map[string]string{"village": "村级", "township": "乡级", "county": "县级", "city": "市级", "province": "省级", "": "其他"}

// spending reads compensation by layer, visit kind and institution level,
// and the deductions. The postings are grouped in the order of the
// covering index ledger_postings_report (no sort, no row read; expense
// accounts only: account LIKE '5%' is no index range on either engine)
// and the institutions' levels are applied here.
func (r *Report) spending(ctx context.Context, q db.Querier) error {
	levels, err := institutionLevels(ctx, q)
	if err != nil {
		return err
	}
	in, args := expenseIn(r.Year)
	rows, err := q.QueryContext(ctx, `SELECT account, sub_key, institution_id, COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0)
		FROM ledger_postings WHERE `+in+` GROUP BY account, sub_key, event_kind, institution_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	layer, kind, level := map[string]money.Fen{}, map[string]money.Fen{}, map[string]money.Fen{}
	for rows.Next() {
		var acct, key string
		var inst, d, c int64
		if err := rows.Scan(&acct, &key, &inst, &d, &c); err != nil {
			return err
		}
		lvl := levels[inst] // "" for none (0) or an unknown id, as the outer join gave
		if ledger.Code(acct) == ledger.Deductions {
			r.Deductions += money.Fen(c - d)
			continue
		}
		amt := money.Fen(d - c)
		layer[acct] += amt
		kind[key] += amt
		level[lvl] += amt
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var total money.Fen
	for _, code := range ledger.LayerAccounts {
		r.ByLayer = append(r.ByLayer, Amount{string(code), LayerNames[code], layer[string(code)]})
		total += layer[string(code)]
	}
	for _, k := range sortedKeys(kind) {
		r.ByKind = append(r.ByKind, Amount{k, k, kind[k]})
	}
	for _, l := range []string{"village", "township", "county", "city", "province", ""} {
		if v, ok := level[l]; ok {
			r.ByLevel = append(r.ByLevel, Amount{l, LevelNames[l], v})
		}
	}
	r.Spent = total - r.Deductions
	return nil
}

// expenseIn is the condition "an expense account (5…) in year" as one
// (account, year) range of ledger_postings_report per account, and its
// arguments.
func expenseIn(year int) (string, []any) {
	var marks []string
	var args []any
	for _, a := range ledger.Accounts {
		if strings.HasPrefix(string(a.Code), "5") {
			marks, args = append(marks, "?"), append(args, string(a.Code))
		}
	}
	return "account IN (" + strings.Join(marks, ", ") + ") AND year = ?", append(args, year)
}

// institutionLevels maps every institution's id to its level.
func institutionLevels(ctx context.Context, q db.Querier) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, level FROM institutions`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var lvl string
		if err := rows.Scan(&id, &lvl); err != nil {
			return nil, err
		}
		out[id] = lvl
	}
	return out, rows.Err()
}

func sortedKeys(m map[string]money.Fen) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// balance is the fund's net assets from every posting of this and earlier
// years: Σ (credit − debit) over the fund, income and expense accounts
// (equal to assets − liabilities, the books being balanced); one range of
// the covering ledger_postings_report.
func balance(ctx context.Context, q db.Querier, year int) (money.Fen, error) {
	var d, c int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0) FROM ledger_postings
		WHERE year <= ? AND account >= '3' AND account < '6'`, year).Scan(&d, &c)
	return money.Fen(c - d), err
}

// months fills planned against actual spending for each month of the
// benefit period.
func (r *Report) months(ctx context.Context, q db.Querier) error {
	in, args := expenseIn(r.Year)
	rows, err := q.QueryContext(ctx, `SELECT SUBSTR(entry_date, 1, 7), COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0)
		FROM ledger_postings WHERE `+in+` GROUP BY SUBSTR(entry_date, 1, 7)`, args...)
	if err != nil {
		return err
	}
	actual := map[string]money.Fen{}
	for rows.Next() {
		var m string
		var d, c int64
		if err := rows.Scan(&m, &d, &c); err != nil {
			rows.Close()
			return err
		}
		actual[m] = money.Fen(d - c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var cum Month
	for d := civil.New(r.PeriodFrom.Year, r.PeriodFrom.Month, 1); !d.After(r.PeriodTo) && len(r.Months) < 36; d = civil.New(d.Year, d.Month+1, 1) {
		key := fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
		m := Month{Month: key, From: d, To: civil.New(d.Year, d.Month+1, 0), Plan: r.Allocation.MonthlyPlan, Actual: actual[key]}
		m.Rate = Ratio(m.Actual, m.Plan)
		cum.CumPlan += m.Plan
		cum.CumActual += m.Actual
		m.CumPlan, m.CumActual, m.CumRate = cum.CumPlan, cum.CumActual, Ratio(cum.CumActual, cum.CumPlan)
		r.Months = append(r.Months, m)
	}
	return nil
}

// Wan formats fen as 万元 (ten thousand yuan) with the given decimals,
// rounded half away from zero, with thousands separators: Wan(21789901000,
// 1) = "21,789.9".
func Wan(f money.Fen, places int) string {
	unit := int64(1000000) // fen in one 万元
	scale := int64(1)
	for i := 0; i < places; i++ {
		scale *= 10
	}
	v := int64(money.Share(f, scale, unit)) // rounding: display only
	neg := v < 0
	if neg {
		v = -v
	}
	whole, frac := v/scale, v%scale
	s := group(whole)
	if places > 0 {
		s += fmt.Sprintf(".%0*d", places, frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Yuan formats fen as yuan with two decimals and thousands separators:
// "10,078,575.04".
func Yuan(f money.Fen) string {
	s := f.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var w int64
	fmt.Sscan(whole, &w)
	out := group(w) + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

func group(v int64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Percent writes a rate as "41.24%".
func Percent(r money.Rate) string {
	sign := ""
	if r < 0 {
		sign, r = "-", -r
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, r/100, r%100)
}
