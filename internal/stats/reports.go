package stats

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ncms/internal/apperr"
)

// Column is a column of a statistical table.
type Column struct {
	Key  string `json:"key"`
	Zh   string `json:"name_zh"`
	En   string `json:"name_en"`
	Kind Kind   `json:"kind"`
}

// Row is a row of a table: a member of the dimension (Key is its
// drill-down key) or an indicator (summary table).
type Row struct {
	Key   string  `json:"key"`
	Name  string  `json:"name"`
	Cells []Value `json:"cells"`
}

// Table is a county statistical table: title, unit, period, header, rows
// and the totals row (合计).
type Table struct {
	Report  string   `json:"report"`
	Title   string   `json:"title"`
	TitleEn string   `json:"title_en"`
	Unit    string   `json:"unit"`
	County  string   `json:"county"`
	Scope   string   `json:"scope"`  // the area the figures cover
	Period  string   `json:"period"` // printed period
	From    string   `json:"from"`
	To      string   `json:"to"`
	By      Dim      `json:"by"`
	Columns []Column `json:"columns"` // the first is the row name
	Rows    []Row    `json:"rows"`
	Total   *Row     `json:"total,omitempty"`
}

// Report names a county table.
type Report struct {
	Name      string
	Zh, En    string
	DefaultBy Dim
	AreaOnly  bool     // rows must be areas
	Columns   []string // indicator keys; "" = all (summary)
	YoY       string   // indicator compared with last year in the last two columns
}

// Reports are the named tables (docs/stats.md).
var Reports = []Report{
	{Name: "summary", Zh: "新农合运行情况统计表", En: "Statistics summary", DefaultBy: ByNone},
	{Name: "compensation", Zh: "新农合补偿情况统计表", En: "Compensation", DefaultBy: ByTownship,
		Columns: []string{"visits", "outpatient", "admissions", "cost", "in_scope", "basic", "catastrophic", "assistance", "other",
			"compensation", "fund_share", "visit_share", "actual_ratio", "avg_visit_cost", "avg_stay_cost", "per_visit"},
		YoY: "compensation"},
	{Name: "participation", Zh: "新农合参合受益情况统计表", En: "Participation and benefit", DefaultBy: ByTownship, AreaOnly: true,
		Columns: []string{"households", "enrolled_households", "household_rate", "eligible", "enrollees", "participation_rate",
			"benefited", "benefit_rate", "visits_per_person", "hospitalization_rate", "per_capita", "high_10_30", "high_30_50", "high_50"},
		YoY: "benefit_rate"},
	{Name: "monthly", Zh: "新农合月度补偿统计表", En: "Monthly compensation", DefaultBy: ByMonth,
		Columns: []string{"visits", "outpatient", "admissions", "cost", "basic", "compensation", "actual_ratio", "monthly_plan", "plan_rate"},
		YoY:     "compensation"},
	{Name: "service", Zh: "新农合医疗服务情况统计表", En: "Medical services", DefaultBy: ByLevel,
		Columns: []string{"visits", "outpatient", "admissions", "avg_visit_cost", "avg_stay_cost", "inpatient_actual_ratio",
			"referral_share", "in_county_share", "compensation", "fund_share"},
		YoY: "visits"},
}

// ReportByName finds a named report.
func ReportByName(name string) (Report, error) {
	for _, r := range Reports {
		if r.Name == name {
			return r, nil
		}
	}
	var names []string
	for _, r := range Reports {
		names = append(names, r.Name)
	}
	return Report{}, apperr.Field("report", "unknown_report", "没有这个报表（"+strings.Join(names, "、")+"）",
		"no such report ("+strings.Join(names, ", ")+")")
}

// Extra table-only columns: shares of the scope's total, and households.
var extraColumns = map[string]Indicator{
	"fund_share":  {Key: "fund_share", Zh: "补偿金额占比", En: "Share of compensation", Kind: Rate},
	"visit_share": {Key: "visit_share", Zh: "人次占比", En: "Share of visits", Kind: Rate},
	"households": {Key: "households", Zh: "户数", En: "Households", Kind: Count,
		Of: func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.Households)) }},
}

func column(key string) Indicator {
	if in, ok := extraColumns[key]; ok {
		return in
	}
	return mustIndicator(key)
}

// Query is what a caller asks for: a report, a period, a dimension.
type Query struct {
	Report string
	Period Period
	By     Dim  // "" = the report's default
	ByNone bool // force one row for the whole scope (summary)
	// Fund is the county's fund position of the period's year when the
	// caller has just computed the fund report (the dashboard): a
	// county-wide table uses it instead of computing the report again.
	Fund *Fund
}

// Table computes a named report for the caller (its scope decides the
// rows: a township user sees its township only).
func (s *Service) Table(ctx context.Context, q Query) (*Table, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := ReportByName(q.Report)
	if err != nil {
		return nil, err
	}
	by := q.By
	if by == ByNone && !q.ByNone {
		by = rep.DefaultBy
	}
	if rep.AreaOnly && by != ByTownship && by != ByVillage {
		return nil, apperr.Field("by", "area_only", "该报表只能按乡镇或村分组", "this report is by township or village only")
	}
	countyWide := strings.Count(act.Scope.AreaPath, "/") <= 2
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	var cur, prev *Cube
	need := rep.needs(false)
	given := q.Fund != nil && q.Fund.Known && countyWide && need.fund
	if given {
		need.fund = false
	}
	builds := []func() error{func() (err error) {
		cur, err = build(ctx, s.db, q.Period, by, act.Scope.AreaPath, countyWide, need, !s.direct)
		if err == nil && given {
			cur.Fund = *q.Fund
		}
		return err
	}}
	if rep.YoY != "" || rep.Columns == nil {
		builds = append(builds, func() (err error) {
			prev, err = build(ctx, s.db, q.Period.LastYear(), by, act.Scope.AreaPath, countyWide, rep.needs(true), !s.direct)
			return err
		})
	}
	if err := both(builds...); err != nil {
		return nil, err
	}
	t := &Table{Report: rep.Name, Title: rep.Zh, TitleEn: rep.En, Unit: "单位：元、人次、%", Period: q.Period.Label(),
		From: q.Period.From.String(), To: q.Period.To.String(), By: by}
	if err := s.header(ctx, t, act.Scope.AreaPath); err != nil {
		return nil, err
	}
	if rep.Columns == nil && by == ByNone {
		summary(t, cur, prev)
		return t, nil
	}
	cols := rep.Columns
	if cols == nil {
		for _, in := range Indicators {
			cols = append(cols, in.Key)
		}
	}
	zh, en := by.Label()
	t.Columns = append(t.Columns, Column{Key: "name", Zh: zh, En: en, Kind: Text})
	for _, k := range cols {
		in := column(k)
		t.Columns = append(t.Columns, Column{Key: in.Key, Zh: in.Zh, En: in.En, Kind: in.Kind})
	}
	if rep.YoY != "" {
		in := column(rep.YoY)
		t.Columns = append(t.Columns, Column{Key: rep.YoY + "_last_year", Zh: "上年同期" + in.Zh, En: in.En + ", last year", Kind: in.Kind},
			Column{Key: rep.YoY + "_change", Zh: "同比增减", En: "Year-on-year change", Kind: Rate})
	}
	prevOf := func(key string) *Cell {
		if prev == nil {
			return nil
		}
		if by == ByMonth && len(key) == 7 {
			y, _ := strconv.Atoi(key[:4])
			key = fmt.Sprintf("%04d%s", y-1, key[4:])
		}
		for i := range prev.Cells {
			if prev.Cells[i].Key == key {
				return &prev.Cells[i]
			}
		}
		return nil
	}
	row := func(cell *Cell, p *Cell) Row {
		r := Row{Key: cell.Key, Name: cell.Name}
		x := cur.Ctx(cell)
		for _, k := range cols {
			r.Cells = append(r.Cells, cellValue(k, cell, &cur.Total, x))
		}
		if rep.YoY != "" {
			in := column(rep.YoY)
			c := in.Of(&cell.Facts, x)
			lv := unknown(in.Kind)
			if p != nil {
				lv = in.Of(&p.Facts, prev.Ctx(p))
			}
			r.Cells = append(r.Cells, lv, Change(c, lv))
		}
		return r
	}
	for i := range cur.Cells {
		t.Rows = append(t.Rows, row(&cur.Cells[i], prevOf(cur.Cells[i].Key)))
	}
	var pt *Cell
	if prev != nil {
		pt = &prev.Total
	}
	tot := row(&cur.Total, pt)
	tot.Name = "合计"
	t.Total = &tot
	return t, nil
}

// needs is what a cube must read besides the settlements and claims.
type needs struct{ fund, area, high bool }

// needs returns what the report's cube for this period (prev false) or
// for the same period last year (prev true: only the year-on-year column
// is shown from it) must read. The summary shows every indicator.
func (r Report) needs(prev bool) needs {
	if r.Columns == nil {
		return needs{true, true, true}
	}
	keys := []string{r.YoY}
	if !prev {
		keys = append(keys, r.Columns...)
	}
	var n needs
	for _, k := range keys {
		if k == "" {
			continue
		}
		in := column(k)
		n.fund, n.area, n.high = n.fund || readsFund(in), n.area || readsArea(in), n.high || readsHigh(in)
	}
	return n
}

// cellValue is column k of a cell: an indicator, or a share of the total.
func cellValue(k string, cell, total *Cell, x Ctx) Value {
	switch k {
	case "fund_share":
		return ratio(int64(cell.Facts.Fund), int64(total.Facts.Fund))
	case "visit_share":
		return ratio(cell.Facts.Visits, total.Facts.Visits)
	}
	return column(k).Of(&cell.Facts, x)
}

// summary lays out every indicator as a row: this period, the same period
// last year, and the change.
func summary(t *Table, cur, prev *Cube) {
	t.Columns = []Column{{Key: "indicator", Zh: "指标", En: "Indicator", Kind: Text},
		{Key: "current", Zh: "本期", En: "This period", Kind: Text},
		{Key: "last_year", Zh: "上年同期", En: "Same period last year", Kind: Text},
		{Key: "change", Zh: "同比增减", En: "Year-on-year change", Kind: Rate}}
	x, px := cur.Ctx(&cur.Total), prev.Ctx(&prev.Total)
	for _, in := range Indicators {
		c, p := in.Of(&cur.Total.Facts, x), in.Of(&prev.Total.Facts, px)
		t.Rows = append(t.Rows, Row{Key: in.Key, Name: in.Zh, Cells: []Value{c, p, Change(c, p)}})
	}
}

// header fills the county name and the scope's name.
func (s *Service) header(ctx context.Context, t *Table, scopePath string) error {
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&t.County); err != nil {
		return err
	}
	t.Scope = t.County
	if strings.Count(scopePath, "/") > 2 {
		return s.db.QueryRowContext(ctx, `SELECT name FROM areas WHERE path = ?`, scopePath).Scan(&t.Scope)
	}
	return nil
}

// both runs fns at once and returns the first error.
func both(fns ...func() error) error {
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn() }()
	}
	var first error
	for range fns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
