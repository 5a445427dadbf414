// Package dashboard is the read service behind the console's home page for
// county staff (docs/demo.md "Dashboard"): the fund's position (raised,
// spent, balance, utilization, plan against actual by month) from the fund
// report (internal/fund, i.e. the ledger), the SPEC §12 indicators and the
// breakdowns by level and visit kind from internal/stats, the institutions
// whose cost per visit grew most, and the open work (supervision cases,
// claims in review, statements awaiting a step). It computes nothing the
// other services do not: every figure is theirs, or a plain sum of
// settlements that the statistics tables also show.
package dashboard

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/fund"
	"ncms/internal/money"
	"ncms/internal/stats"
	"ncms/internal/supervise"
	"ncms/internal/supervise/rules"
)

// China is the time zone of the county's days.
var China = time.FixedZone("CST", 8*3600)

// Roles may see the dashboard: county staff who read the fund or the
// statistics (SPEC §2), with a county-wide scope (the root area's path,
// "/1/"; the figures are the whole county's).
var Roles = []access.Role{access.Admin, access.Finance, access.Director, access.Auditor, access.Inspector, access.Reviewer}

// Service reads the dashboard. It keeps each year's figures for MaxAge:
// they take a few report queries over the whole year (about a second on a
// county of 50,000 on a busy machine), and a home page opened by every
// county user must not repeat them on every visit. Safe for concurrent use.
type Service struct {
	db    *db.DB
	stats *stats.Service
	now   func() time.Time
	mu    sync.Mutex
	cache map[int]cached
}

type cached struct {
	at   time.Time
	data Data
}

// MaxAge is how long the figures of a year are reused (the page says when
// they were computed).
const MaxAge = time.Minute

// New returns the service (now nil: time.Now).
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, stats: stats.New(d), now: now, cache: map[int]cached{}}
}

// Figure is one named value of an indicator.
type Figure struct {
	Key   string      `json:"key"`
	Zh    string      `json:"name_zh"`
	En    string      `json:"name_en"`
	Value stats.Value `json:"value"`
}

// Group is one row of a breakdown (a level, a visit kind).
type Group struct {
	Key          string      `json:"key"`
	Name         string      `json:"name"`
	Visits       stats.Value `json:"visits"`
	Cost         stats.Value `json:"cost"`
	Compensation stats.Value `json:"compensation"`
	Share        stats.Value `json:"share"` // of compensation
	AvgCost      stats.Value `json:"avg_cost"`
}

// Growth is an institution's cost per settlement in the last three full
// months against the three before.
type Growth struct {
	InstitutionID int64      `json:"institution_id"`
	Name          string     `json:"name"`
	Level         string     `json:"level"`
	PrevCount     int64      `json:"prev_count"`
	CurCount      int64      `json:"cur_count"`
	PrevAvg       money.Fen  `json:"prev_avg"`
	CurAvg        money.Fen  `json:"cur_avg"`
	Growth        money.Rate `json:"growth_bp"` // (cur − prev) ÷ prev
}

// Count is a number of open items of one kind.
type Count struct {
	Key  string `json:"key"`
	Zh   string `json:"name_zh"`
	En   string `json:"name_en"`
	N    int    `json:"n"`
	Link string `json:"link,omitempty"`
}

// Data is the whole dashboard of a scheme year.
type Data struct {
	Year       int         `json:"year"`
	AsOf       civil.Date  `json:"as_of"`
	Fund       fund.Report `json:"fund"`
	Indicators []Figure    `json:"indicators"`
	ByLevel    []Group     `json:"by_level"`
	ByKind     []Group     `json:"by_kind"`
	Growth     []Growth    `json:"growth"`
	GrowthFrom civil.Date  `json:"growth_from"` // first day of the previous three months
	GrowthMid  civil.Date  `json:"growth_mid"`  // first day of the last three
	GrowthTo   civil.Date  `json:"growth_to"`   // last day of the last three
	Cases      []Count     `json:"cases"`       // open supervision cases by rule
	Work       []Count     `json:"work"`        // other open work
	Computed   time.Time   `json:"computed_at"` // when the figures were computed (reused up to MaxAge)
}

// indicatorKeys are the headline indicators, in display order.
var indicatorKeys = []string{"participation_rate", "enrollees", "benefit_rate", "visits", "admissions",
	"hospitalization_rate", "actual_ratio", "guarantee", "per_capita", "avg_stay_cost"}

// Get computes the dashboard of year (0: the current year) for a
// county-wide actor in ctx.
func (s *Service) Get(ctx context.Context, year int) (Data, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return Data{}, apperr.New(apperr.Unauthenticated, "unauthenticated", "请先登录", "not signed in")
	}
	if !a.Can(Roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" || strings.Count(a.Scope.AreaPath, "/") > 2 {
		return Data{}, apperr.New(apperr.Forbidden, "forbidden", "无权查看基金运行概况", "not allowed to see the dashboard")
	}
	now := s.now()
	today := civil.Of(now.In(China))
	if year == 0 {
		year = today.Year
	}
	s.mu.Lock()
	c, ok := s.cache[year]
	s.mu.Unlock()
	if ok && now.Sub(c.at) >= 0 && now.Sub(c.at) < MaxAge {
		return c.data, nil
	}
	d, err := s.compute(ctx, year, today)
	if err == nil {
		d.Computed = now
		s.mu.Lock()
		s.cache[year] = cached{now, d}
		s.mu.Unlock()
	}
	return d, err
}

// compute computes the dashboard of a year. Its parts read different
// things (the ledger, the statistics, the settlements of six months, the
// open work) and run at once, each on its own connection.
func (s *Service) compute(ctx context.Context, year int, today civil.Date) (Data, error) {
	d := Data{Year: year, AsOf: today}
	parts := []func() error{
		func() (err error) { // the fund report, then the summary on it (not computed twice)
			if d.Fund, err = fund.Build(ctx, s.db, year); err != nil {
				return err
			}
			return s.indicators(ctx, &d)
		},
		func() (err error) { d.ByLevel, err = s.groups(ctx, year, stats.ByLevel); return },
		func() (err error) { d.ByKind, err = s.groups(ctx, year, stats.ByKind); return },
		func() error { return s.growth(ctx, &d, today) },
		func() error { return s.open(ctx, &d) },
	}
	errs := make(chan error, len(parts))
	for _, part := range parts {
		go func() { errs <- part() }()
	}
	var first error
	for range parts {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return d, first
}

// indicators takes the headline figures from the statistics summary (on
// the fund report in d).
func (s *Service) indicators(ctx context.Context, d *Data) error {
	f := stats.FundOf(d.Fund)
	t, err := s.stats.Table(ctx, stats.Query{Report: "summary", Period: stats.Year(d.Year), ByNone: true, Fund: &f})
	if err != nil {
		return err
	}
	byKey := map[string]stats.Row{}
	for _, r := range t.Rows {
		byKey[r.Key] = r
	}
	for _, k := range indicatorKeys {
		in, _ := stats.IndicatorByKey(k)
		if r, ok := byKey[k]; ok && len(r.Cells) > 0 {
			d.Indicators = append(d.Indicators, Figure{Key: k, Zh: in.Zh, En: in.En, Value: r.Cells[0]})
		}
	}
	return nil
}

// groups is the compensation table of the year by level or visit kind.
func (s *Service) groups(ctx context.Context, year int, by stats.Dim) ([]Group, error) {
	t, err := s.stats.Table(ctx, stats.Query{Report: "compensation", Period: stats.Year(year), By: by})
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, c := range t.Columns {
		col[c.Key] = i - 1 // cells leave out the name column
	}
	cell := func(r stats.Row, k string) stats.Value {
		if i, ok := col[k]; ok && i >= 0 && i < len(r.Cells) {
			return r.Cells[i]
		}
		return stats.Value{}
	}
	var out []Group
	for _, r := range t.Rows {
		g := Group{Key: r.Key, Name: r.Name, Visits: cell(r, "visits"), Cost: cell(r, "cost"),
			Compensation: cell(r, "compensation"), Share: cell(r, "fund_share")}
		if g.Visits.Known && g.Visits.V > 0 && g.Cost.Known {
			g.AvgCost = stats.Value{Kind: stats.Amount, V: int64(money.Share(money.Fen(g.Cost.V), 1, g.Visits.V)), Known: true}
		}
		out = append(out, g)
	}
	return out, nil
}

// growth ranks institutions by the change of their average bill (all
// settlements, net of reversals) between the three full months before
// today's month and the three before those; at least 5 settlements in
// each.
func (s *Service) growth(ctx context.Context, d *Data, today civil.Date) error {
	first := civil.New(today.Year, today.Month, 1)
	d.GrowthMid, d.GrowthFrom, d.GrowthTo = monthsBack(first, 3), monthsBack(first, 6), first.AddDays(-1)
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.name, i.level,
		SUM(CASE WHEN s.setl_date < ? THEN (CASE WHEN s.reverses_id IS NULL THEN 1 ELSE -1 END) ELSE 0 END),
		SUM(CASE WHEN s.setl_date < ? THEN s.medfee_sumamt ELSE 0 END),
		SUM(CASE WHEN s.setl_date >= ? THEN (CASE WHEN s.reverses_id IS NULL THEN 1 ELSE -1 END) ELSE 0 END),
		SUM(CASE WHEN s.setl_date >= ? THEN s.medfee_sumamt ELSE 0 END)
		FROM settlements s JOIN institutions i ON i.id = s.institution_id
		WHERE s.setl_date >= ? AND s.setl_date <= ? GROUP BY i.id, i.name, i.level`,
		d.GrowthMid, d.GrowthMid, d.GrowthMid, d.GrowthMid, d.GrowthFrom, d.GrowthTo)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g Growth
		var prevSum, curSum int64
		if err := rows.Scan(&g.InstitutionID, &g.Name, &g.Level, &g.PrevCount, &prevSum, &g.CurCount, &curSum); err != nil {
			return err
		}
		if g.PrevCount < 5 || g.CurCount < 5 {
			continue
		}
		g.PrevAvg = money.Share(money.Fen(prevSum), 1, g.PrevCount) // rounding: to the fen, half up
		g.CurAvg = money.Share(money.Fen(curSum), 1, g.CurCount)
		g.Growth = fund.Ratio(g.CurAvg-g.PrevAvg, g.PrevAvg)
		if g.CurAvg < g.PrevAvg {
			g.Growth = -fund.Ratio(g.PrevAvg-g.CurAvg, g.PrevAvg)
		}
		d.Growth = append(d.Growth, g)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.SliceStable(d.Growth, func(i, j int) bool {
		if d.Growth[i].Growth != d.Growth[j].Growth {
			return d.Growth[i].Growth > d.Growth[j].Growth
		}
		return d.Growth[i].InstitutionID < d.Growth[j].InstitutionID
	})
	if len(d.Growth) > 8 {
		d.Growth = d.Growth[:8]
	}
	return nil
}

// monthsBack returns the first day of the month n months before first.
func monthsBack(first civil.Date, n int) civil.Date {
	return civil.New(first.Year, first.Month-time.Month(n), 1)
}

// open counts what is waiting for someone: supervision cases not closed
// (by rule), manual claims in review, statements awaiting a check or the
// director's approval, approved statements not yet in a bank batch.
func (s *Service) open(ctx context.Context, d *Data) error {
	rows, err := s.db.QueryContext(ctx, `SELECT rule, COUNT(*) FROM supervise_cases WHERE status <> ? GROUP BY rule ORDER BY rule`,
		supervise.StatusClosed)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			rows.Close()
			return err
		}
		c.Zh, c.En = c.Key, c.Key
		if in, ok := rules.Lookup(c.Key); ok {
			c.Zh, c.En = in.Zh, in.En
		}
		c.Link = "/supervision?rule=" + c.Key
		d.Cases = append(d.Cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	sort.SliceStable(d.Cases, func(i, j int) bool { return d.Cases[i].N > d.Cases[j].N })
	work := []struct {
		key, zh, en, q, link string
		args                 []any
	}{
		{"claims", "手工报销待审核", "Manual claims in review",
			`SELECT COUNT(*) FROM claims WHERE stage IN ('first_review', 'second_review', 'village', 'township', 'county')`, "/claims", nil},
		{"claims_unpaid", "手工报销待支付", "Approved claims awaiting payment", `SELECT COUNT(*) FROM claims WHERE stage = 'approved'`, "/claims", nil},
		{"statements_check", "月度结算单待复核", "Statements awaiting the check", `SELECT COUNT(*) FROM statements WHERE status = 'draft'`, "/statements", nil},
		{"statements_approve", "月度结算单待审批", "Statements awaiting approval", `SELECT COUNT(*) FROM statements WHERE status = 'checked'`, "/statements", nil},
		{"statements_pay", "已审批待支付结算单", "Approved statements not yet in a bank batch",
			`SELECT COUNT(*) FROM statements WHERE status = 'approved' AND payable > 0`, "/statements", nil},
	}
	for _, w := range work {
		c := Count{Key: w.key, Zh: w.zh, En: w.en, Link: w.link}
		if err := s.db.QueryRowContext(ctx, w.q, w.args...).Scan(&c.N); err != nil {
			return err
		}
		d.Work = append(d.Work, c)
	}
	return nil
}

// OpenCases is the number of supervision cases not closed.
func (d Data) OpenCases() int {
	n := 0
	for _, c := range d.Cases {
		n += c.N
	}
	return n
}

// Indicator returns a headline figure by key.
func (d Data) Indicator(key string) stats.Value {
	for _, f := range d.Indicators {
		if f.Key == key {
			return f.Value
		}
	}
	return stats.Value{}
}
