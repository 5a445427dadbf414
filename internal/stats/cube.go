package stats

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/fund"
)

// Cell is one member of a dimension (or the whole scope) with its facts.
type Cell struct {
	Key   string `json:"key"`  // drill-down key: area path, institution id, level, kind, "2026-03"
	Name  string `json:"name"` // printed name
	Facts Facts  `json:"facts"`
	Area  bool   `json:"-"` // has area denominators
}

// Cube is a period's facts by one dimension, with the total of the scope.
type Cube struct {
	Period Period
	Dim    Dim
	Cells  []Cell
	Total  Cell
	Fund   Fund
}

// Ctx is the indicator context of a cell of the cube.
func (c *Cube) Ctx(cell *Cell) Ctx {
	x := Ctx{Months: c.Period.Months(), Area: cell.Area}
	if cell == &c.Total || c.Dim == ByMonth {
		x.Fund = c.Fund
	}
	if c.Dim == ByMonth && cell != &c.Total {
		x.Months = 1
	}
	return x
}

// area is a row of the area tree.
type area struct {
	name, level string
}

type names struct {
	areas map[string]area // by path
	insts map[string]inst // by id
}

type inst struct {
	name, level string
}

func loadNames(ctx context.Context, q db.Querier) (*names, error) {
	n := &names{areas: map[string]area{}, insts: map[string]inst{}}
	rows, err := q.QueryContext(ctx, `SELECT path, name, level FROM areas`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p string
		var a area
		if err := rows.Scan(&p, &a.name, &a.level); err != nil {
			rows.Close()
			return nil, err
		}
		n.areas[p] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, name, level FROM institutions`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var i inst
		if err := rows.Scan(&id, &i.name, &i.level); err != nil {
			return nil, err
		}
		n.insts[strconv.FormatInt(id, 10)] = i
	}
	return n, rows.Err()
}

// prefix is the first depth segments of an area path: prefix("/1/5/23/", 2)
// = "/1/5/"; a shorter path is returned whole.
func prefix(path string, depth int) string {
	i, seen := 0, 0
	for j := 1; j < len(path); j++ {
		if path[j] == '/' {
			seen++
			if seen == depth {
				i = j
				break
			}
		}
	}
	if i == 0 {
		return path
	}
	return path[:i+1]
}

// member maps a raw SQL key to the dimension's member key and name.
func (n *names) member(dim Dim, raw string) (string, string) {
	switch dim {
	case ByTownship, ByVillage:
		depth := 2
		if dim == ByVillage {
			depth = 3
		}
		k := prefix(raw, depth)
		name := n.areas[k].name
		if strings.Count(k, "/")-1 < depth {
			name += "（本级）"
		}
		return k, name
	case ByInstitution:
		return raw, n.insts[raw].name
	case ByLevel:
		l := n.insts[raw].level
		return l, fund.LevelNames[l]
	case ByKind:
		return raw, KindName(raw)
	case ByMonth:
		if len(raw) >= 7 {
			raw = raw[:7]
		}
		return raw, raw
	}
	return "", ""
}

// KindName is the Chinese name of a scheme's visit-kind key when it is one
// of the usual ones, else the key itself.
func KindName(k string) string {
	if zh, ok := kindNames[k]; ok {
		return zh
	}
	return k
}

var kindNames = map[string]string{
	"outpatient": "普通门诊", "general_outpatient": "普通门诊", "village": "村卫生室门诊", "chronic": "慢性病门诊",
	"special": "特殊病种门诊", "major_outpatient": "重大疾病门诊", "inpatient": "住院", "injury": "意外伤害住院",
	"referral": "转诊住院", "delivery": "住院分娩", "maternity": "住院分娩", "single_disease": "单病种",
}

// build computes the cube of period p by dim for patients living under
// scopePath, reading the area denominators, the high-cost persons and (for
// county-wide callers, countyWide) the fund position only when the report
// shows an indicator made of them (need).
// With rollup, settlement sums come from the rollup plus the live rows
// (rollup_read.go) where the rollup has them; otherwise (and always with
// rollup false, the reference) straight from the settlements.
func build(ctx context.Context, d *db.DB, p Period, dim Dim, scopePath string, countyWide bool, need needs, rollup bool) (*Cube, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	c := &Cube{Period: p, Dim: dim, Total: Cell{Name: "合计", Area: true}}
	n, err := loadNames(ctx, d)
	if err != nil {
		return nil, err
	}
	if countyWide {
		scopePath = "" // the whole county: no filter, no join needed for it
	}
	// The aggregates are independent: run them at once, each on its own
	// connection (SQLite readers run in parallel under WAL).
	var visits, areaF, high map[string]*Facts
	visitsFn := func(q db.Querier) (err error) { visits, err = visitFacts(ctx, q, p, dim, scopePath); return }
	highFn := func(q db.Querier) (err error) { high, err = highCost(ctx, q, p, scopePath); return }
	if rollup && rollupServes(dim, scopePath) {
		visitsFn = func(q db.Querier) (err error) {
			visits, err = rolledVisits(ctx, q, d.Dialect(), p, dim, scopePath)
			return
		}
		highFn = func(q db.Querier) (err error) { high, err = rolledHigh(ctx, q, d.Dialect(), p, scopePath); return }
	}
	fns := []func(q db.Querier) error{visitsFn}
	if need.area {
		fns = append(fns, func(q db.Querier) (err error) { areaF, err = areaFacts(ctx, q, p, scopePath); return })
	}
	if need.high {
		fns = append(fns, highFn)
	}
	if countyWide && need.fund { // the fund position beside the aggregates, on its own reader
		fns = append(fns, func(q db.Querier) error {
			r, err := fund.Build(ctx, q, p.Year)
			c.Fund = FundOf(r)
			return err
		})
	}
	if err = parallel(ctx, d, fns...); err != nil {
		return nil, err
	}
	cells := map[string]*Cell{}
	get := func(raw string) *Cell {
		k, name := n.member(dim, raw)
		if cells[k] == nil {
			cells[k] = &Cell{Key: k, Name: name, Area: dim == ByTownship || dim == ByVillage}
		}
		return cells[k]
	}
	for raw, f := range visits {
		c.Total.Facts.add(f)
		if dim != ByNone {
			get(raw).Facts.add(f)
		}
	}
	for _, m := range []map[string]*Facts{areaF, high} {
		for path, f := range m {
			c.Total.Facts.add(f)
			if dim == ByTownship || dim == ByVillage {
				get(path).Facts.add(f)
			}
		}
	}
	if dim == ByMonth {
		for y, mo := p.From.Year, p.From.Month; !civil.New(y, mo, 1).After(p.To); mo++ {
			if mo > 12 {
				y, mo = y+1, 1
			}
			k := fmt.Sprintf("%04d-%02d", y, mo)
			if cells[k] == nil {
				cells[k] = &Cell{Key: k, Name: k}
			}
		}
	}
	for _, cell := range cells {
		c.Cells = append(c.Cells, *cell)
	}
	sort.Slice(c.Cells, func(i, j int) bool { return less(dim, c.Cells[i], c.Cells[j]) })
	return c, nil
}

// FundOf is the fund position of a fund report.
func FundOf(r fund.Report) Fund {
	a := r.Allocation
	return Fund{Known: true, Raised: r.IncomeSum.Due, Received: r.IncomeSum.Received, Reserve: a.Reserve,
		Usable: a.Usable, MonthlyPlan: a.MonthlyPlan, Balance: r.Balance}
}

// less orders members: levels from village up, the rest by key (area paths
// and ids as numbers, so the order is the order of creation).
func less(dim Dim, a, b Cell) bool {
	switch dim {
	case ByLevel:
		return levelRank(a.Key) < levelRank(b.Key)
	case ByInstitution:
		x, _ := strconv.ParseInt(a.Key, 10, 64)
		y, _ := strconv.ParseInt(b.Key, 10, 64)
		return x < y
	case ByTownship, ByVillage:
		return pathLess(a.Key, b.Key)
	}
	return a.Key < b.Key
}

func levelRank(l string) int {
	for i, x := range []string{"village", "township", "county", "city", "province"} {
		if x == l {
			return i
		}
	}
	return 9
}

func pathLess(a, b string) bool {
	as, bs := strings.Split(strings.Trim(a, "/"), "/"), strings.Split(strings.Trim(b, "/"), "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.ParseInt(as[i], 10, 64)
		y, _ := strconv.ParseInt(bs[i], 10, 64)
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// parallel runs fns at once, each with a reader of its own, and returns the
// first error. On SQLite a reader is a pooled connection with memory-mapped
// I/O and a larger page cache for the duration of the call (a yearly
// report reads a few hundred MB of index pages; through read() system
// calls and the default 2 MB cache that was most of its time), reset
// before the connection goes back to the pool.
func parallel(ctx context.Context, d *db.DB, fns ...func(q db.Querier) error) error {
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() {
			q, release, err := reader(ctx, d)
			if err != nil {
				errs <- err
				return
			}
			defer release()
			errs <- fn(q)
		}()
	}
	var first error
	for range fns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Each reader is one read transaction, so that the rollup's watermark and
// the rows read with it (rolled and live) are one snapshot.
func reader(ctx context.Context, d *db.DB) (db.Querier, func(), error) {
	if d.Dialect() != db.SQLite {
		tx, err := d.SQL().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, nil, err
		}
		return pgReader{tx, d}, func() { _ = tx.Rollback() }, nil
	}
	c, err := d.SQL().Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA mmap_size = 2147483648"); err != nil {
		c.Close()
		return nil, nil, err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
		c.Close()
		return nil, nil, err
	}
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, func() {
		bg := context.Background()
		_, _ = c.ExecContext(bg, "COMMIT")
		_, _ = c.ExecContext(bg, "PRAGMA mmap_size = 0")
		_, _ = c.ExecContext(bg, "PRAGMA cache_size = -2000")
		c.Close()
	}, nil
}

// pgReader runs the ? statements of the aggregates in a PostgreSQL read
// transaction.
type pgReader struct {
	tx *sql.Tx
	d  *db.DB
}

func (r pgReader) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.tx.ExecContext(ctx, r.d.Rebind(q), args...)
}

func (r pgReader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.tx.QueryContext(ctx, r.d.Rebind(q), args...)
}

func (r pgReader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.tx.QueryRowContext(ctx, r.d.Rebind(q), args...)
}
