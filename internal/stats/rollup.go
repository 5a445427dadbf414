package stats

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"ncms/internal/civil"
	"ncms/internal/db"
)

// The rollup (migration 0019, docs/stats.md "Rollup"): settlement sums per
// day (county-wide tables by institution, level, kind, month or none) and
// per month and patient's village (tables by area and township scopes),
// plus each person's positive compensation per year (the candidates for
// the high-cost counts). Settlements are append-only, so the sums of the
// rows already rolled up never change; the rollup holds exactly
//
//	R(mark) = settlements with id <= mark.settleID and setl_date < mark.closed
//
// and a report adds, live, the settlements of the period outside R: days
// from mark.closed on (today) and rows of closed days written after the
// refresh (id > mark.settleID). Claims change stage after they are written
// and are always read live (a claim counts from its approval date).
//
// The patient's village and registered-poor flag are taken at refresh; a
// trigger on persons (ensureTrigger) records who moved or changed
// categories since, with the values the rollup used, and the next refresh
// moves their rolled sums to the new values (a report refreshes first when
// anybody moved).

// mark is the rollup's watermark.
type mark struct {
	settleID int64
	closed   civil.Date
}

func readMark(ctx context.Context, q db.Querier, lock string) (mark, error) {
	var m mark
	var closed string
	err := q.QueryRowContext(ctx, `SELECT settle_id, closed FROM stats_rollup_mark WHERE id = 1`+lock).Scan(&m.settleID, &closed)
	if err != nil {
		return m, err
	}
	if closed != "0000-01-01" {
		if m.closed, err = civil.Parse(closed); err != nil {
			return m, err
		}
	}
	return m, nil
}

// sums are the rolled-up columns of one key.
type sums struct {
	n, visits, benefited, cost, inScope, basic, catastrophic, assistance, other, fund int64
}

func (s *sums) add(g sums, sign int64) {
	s.n += sign * g.n
	s.visits += sign * g.visits
	s.benefited += sign * g.benefited
	s.cost += sign * g.cost
	s.inScope += sign * g.inScope
	s.basic += sign * g.basic
	s.catastrophic += sign * g.catastrophic
	s.assistance += sign * g.assistance
	s.other += sign * g.other
	s.fund += sign * g.fund
}

type dayKey struct {
	day         string
	inst        int64
	kind, clr   string
	refer, poor int
}

type areaKey struct {
	month, area string
	inst        int64
	clr         string
	refer, poor int
}

type personKey struct {
	year   int
	person int64
}

// delta is what one refresh adds to the rollup tables.
type delta struct {
	day    map[dayKey]*sums
	area   map[areaKey]*sums
	person map[personKey]int64
	rows   int64
}

func newDelta() *delta {
	return &delta{day: map[dayKey]*sums{}, area: map[areaKey]*sums{}, person: map[personKey]int64{}}
}

// settleRow is a settlement as the rollup reads it.
type settleRow struct {
	day, kind, clr, med string
	inst, person        int64
	reversal            bool
	s                   sums
}

const settleCols = `s.setl_date, s.institution_id, s.person_id, s.kind, s.clr_type, s.med_type,
	CASE WHEN s.reverses_id IS NULL THEN 0 ELSE 1 END,
	s.medfee_sumamt, s.inscp_scp_amt, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.oth_pay, s.fund_pay_sumamt`

func scanSettle(rows *sql.Rows, extra ...any) (settleRow, error) {
	var r settleRow
	var rev int
	err := rows.Scan(append([]any{&r.day, &r.inst, &r.person, &r.kind, &r.clr, &r.med, &rev,
		&r.s.cost, &r.s.inScope, &r.s.basic, &r.s.catastrophic, &r.s.assistance, &r.s.other, &r.s.fund}, extra...)...)
	r.reversal = rev == 1
	// Counted as the direct aggregates count them (facts.go: sums).
	r.s.n, r.s.visits = 1, 1
	switch {
	case !r.reversal && r.s.fund > 0:
		r.s.benefited = 1
	case r.reversal && r.s.fund < 0:
		r.s.benefited = -1
	}
	if r.reversal {
		r.s.visits = -1
	}
	return r, err
}

func isPoor(categories string) int {
	if strings.Contains(categories, "poor") { // the same test as poorLike
		return 1
	}
	return 0
}

// addRow adds (sign +1) or removes (−1) a settlement from the day and area
// sums, for a patient living at areaPath with categories; withPerson also
// counts it in the person's yearly positive compensation.
func (dl *delta) addRow(r settleRow, areaPath, categories string, sign int64, withPerson bool) {
	refer, poor := 0, isPoor(categories)
	if r.med == "23" {
		refer = 1
	}
	dk := dayKey{day: r.day, inst: r.inst, kind: r.kind, clr: r.clr, refer: refer, poor: poor}
	if dl.day[dk] == nil {
		dl.day[dk] = &sums{}
	}
	dl.day[dk].add(r.s, sign)
	ak := areaKey{month: r.day[:7], area: prefix(areaPath, 3), inst: r.inst, clr: r.clr, refer: refer, poor: poor}
	if dl.area[ak] == nil {
		dl.area[ak] = &sums{}
	}
	dl.area[ak].add(r.s, sign)
	if withPerson && r.s.fund > 0 {
		var y int
		fmt.Sscanf(r.day[:4], "%d", &y)
		dl.person[personKey{y, r.person}] += r.s.fund
	}
	dl.rows++
}

// RefreshResult tells what a refresh did.
type RefreshResult struct {
	Settlements int64      `json:"settlements"` // settlements rolled up
	Moved       int64      `json:"moved"`       // people whose rolled sums moved to a new area or category
	Closed      civil.Date `json:"closed"`      // days before this one are rolled up
	SettleID    int64      `json:"settle_id"`   // settlements up to this id
}

// chunkDays bounds one refresh transaction (a first build of a year runs
// as a dozen short transactions instead of one long write lock).
const chunkDays = 31

// china is the county's time zone: a day is closed once it is over there.
var china = time.FixedZone("CST", 8*3600)

// Today is the county's current day at t.
func Today(t time.Time) civil.Date {
	c := t.In(china)
	return civil.New(c.Year(), c.Month(), c.Day())
}

// Refresh brings the rollup up to date: every settlement of a day before
// today (China time) is rolled up, including ones written late for a
// closed day, and the sums of people who moved follow them. It is
// idempotent and incremental (only rows past the watermark are read), and
// safe to run concurrently with itself, with settlement and with reports:
// each step is one write transaction that takes the watermark row first.
func (s *Service) Refresh(ctx context.Context) (RefreshResult, error) {
	return refresh(ctx, s.db, Today(s.now()))
}

// fresh refreshes the rollup before a report when a day has closed since
// the last refresh or somebody moved (a cheap read otherwise).
func (s *Service) fresh(ctx context.Context) error {
	if s.direct {
		return nil
	}
	m, err := readMark(ctx, s.db, "")
	if err != nil {
		return err
	}
	if !m.closed.Before(Today(s.now())) {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM stats_rollup_moved LIMIT 1) x`).Scan(&n); err != nil || n == 0 {
			return err
		}
	}
	_, err = s.Refresh(ctx)
	return err
}

func refresh(ctx context.Context, d *db.DB, today civil.Date) (RefreshResult, error) {
	var total RefreshResult
	if err := ensureTrigger(ctx, d); err != nil {
		return total, err
	}
	for {
		var res RefreshResult
		done := false
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			res, done, err = refreshStep(ctx, tx, today)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Settlements += res.Settlements
		total.Moved += res.Moved
		total.Closed, total.SettleID = res.Closed, res.SettleID
		if done {
			return total, nil
		}
	}
}

func refreshStep(ctx context.Context, tx *db.Tx, today civil.Date) (RefreshResult, bool, error) {
	d := tx.DB()
	var res RefreshResult
	m, err := readMark(ctx, tx, d.ForUpdate())
	if err != nil {
		return res, false, err
	}
	if d.Dialect() == db.Postgres {
		// Wait for settlements being written and hold new ones back until
		// this step commits: an id below the new watermark must not commit
		// after it (sequences are not transactional). SQLite writers
		// already exclude each other.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE settlements IN SHARE MODE`); err != nil {
			return res, false, err
		}
	}
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM settlements`).Scan(&maxID); err != nil {
		return res, false, err
	}
	// The days this step closes: from the mark (or the first settlement)
	// up to today, at most chunkDays of them.
	from := m.closed
	if from.IsZero() {
		var first sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT MIN(setl_date) FROM settlements`).Scan(&first); err != nil {
			return res, false, err
		}
		from = today
		if first.Valid {
			if f, err := civil.Parse(first.String); err == nil && f.Before(today) {
				from = f
			}
		}
	}
	to, done := today, true
	if lim := from.AddDays(chunkDays); lim.Before(today) {
		to, done = lim, false
	}
	if to.Before(from) {
		to = from // a clock that went back never reopens a day
	}
	dl := newDelta()
	// People who moved since the last refresh: their rolled settlements
	// (those in R(m)) leave the old area/category and join the new one.
	type moved struct {
		id                         int64
		oldArea, oldCat, area, cat string
	}
	var mv []moved
	rows, err := tx.QueryContext(ctx, `SELECT m.person_id, m.old_area_path, m.old_categories, p.area_path, p.categories
		FROM stats_rollup_moved m JOIN persons p ON p.id = m.person_id ORDER BY m.person_id`)
	if err != nil {
		return res, false, err
	}
	for rows.Next() {
		var x moved
		if err := rows.Scan(&x.id, &x.oldArea, &x.oldCat, &x.area, &x.cat); err != nil {
			rows.Close()
			return res, false, err
		}
		mv = append(mv, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, false, err
	}
	for _, x := range mv {
		if prefix(x.oldArea, 3) != prefix(x.area, 3) || isPoor(x.oldCat) != isPoor(x.cat) {
			rows, err := tx.QueryContext(ctx, `SELECT `+settleCols+` FROM settlements s
				WHERE s.person_id = ? AND s.setl_date < ? AND s.id <= ?`, x.id, m.closed.String(), m.settleID)
			if err != nil {
				return res, false, err
			}
			for rows.Next() {
				r, err := scanSettle(rows)
				if err != nil {
					rows.Close()
					return res, false, err
				}
				dl.addRow(r, x.oldArea, x.oldCat, -1, false)
				dl.addRow(r, x.area, x.cat, 1, false)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return res, false, err
			}
			res.Moved++
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_rollup_moved WHERE person_id = ?`, x.id); err != nil {
			return res, false, err
		}
	}
	dl.rows = 0
	// New rows: the days closed now, and late rows of days closed before.
	read := func(q string, args ...any) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var area, cat string
			r, err := scanSettle(rows, &area, &cat)
			if err != nil {
				return err
			}
			dl.addRow(r, area, cat, 1, true)
		}
		return rows.Err()
	}
	if from.Before(to) {
		if err := read(`SELECT `+settleCols+`, p.area_path, p.categories FROM settlements s JOIN persons p ON p.id = s.person_id
			WHERE s.setl_date >= ? AND s.setl_date < ?`, from.String(), to.String()); err != nil {
			return res, false, err
		}
	}
	if m.settleID < maxID && !m.closed.IsZero() {
		if err := read(`SELECT `+settleCols+`, p.area_path, p.categories FROM settlements s JOIN persons p ON p.id = s.person_id
			WHERE s.id > ? AND `+noIndex(d.Dialect(), "s.setl_date")+` < ?`, m.settleID, m.closed.String()); err != nil {
			return res, false, err
		}
	}
	res.Settlements = dl.rows
	if err := dl.write(ctx, tx); err != nil {
		return res, false, err
	}
	if res.Moved > 0 {
		// Keys left without rows by people who moved: a direct aggregate
		// has no row for them either.
		for _, t := range []string{"stats_rollup_day", "stats_rollup_area"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE n = 0`); err != nil {
				return res, false, err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stats_rollup_mark SET settle_id = ?, closed = ?, refreshed = ? WHERE id = 1`,
		maxID, to.String(), db.Timestamp(time.Now())); err != nil {
		return res, false, err
	}
	res.Closed, res.SettleID = to, maxID
	return res, done, nil
}

// noIndex is col written so that the engine does not pick its index (the
// rows are found by id instead).
func noIndex(dl db.Dialect, col string) string {
	if dl == db.Postgres {
		return "(" + col + " || '')"
	}
	return "+" + col
}

const sumCols = "n, visits, benefited, cost, in_scope, basic, catastrophic, assistance, other, fund"

func sumUpdate(table string) string {
	var b strings.Builder
	for i, c := range strings.Split(sumCols, ", ") {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	return b.String()
}

// write upserts the delta, a few hundred rows per statement.
func (dl *delta) write(ctx context.Context, tx *db.Tx) error {
	const batch = 200
	type row struct {
		key string
		v   []any
	}
	flush := func(table, keyCols, update string, ncols int, rows []row) error {
		sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key }) // same lock order everywhere
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ") + ")"
		for len(rows) > 0 {
			n := min(batch, len(rows))
			var args []any
			vals := make([]string, n)
			for i := range n {
				vals[i] = ph
				args = append(args, rows[i].v...)
			}
			q := `INSERT INTO ` + table + ` VALUES ` + strings.Join(vals, ", ") +
				` ON CONFLICT (` + keyCols + `) DO UPDATE SET ` + update
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	}
	vals := func(s *sums) []any {
		return []any{s.n, s.visits, s.benefited, s.cost, s.inScope, s.basic, s.catastrophic, s.assistance, s.other, s.fund}
	}
	var rs []row
	for k, s := range dl.day {
		rs = append(rs, row{fmt.Sprint(k), append([]any{k.day, k.inst, k.kind, k.clr, k.refer, k.poor}, vals(s)...)})
	}
	if err := flush("stats_rollup_day", "day, institution_id, kind, clr_type, refer, poor", sumUpdate("stats_rollup_day"), 16, rs); err != nil {
		return err
	}
	rs = rs[:0]
	for k, s := range dl.area {
		rs = append(rs, row{fmt.Sprint(k), append([]any{k.month, k.area, k.inst, k.clr, k.refer, k.poor}, vals(s)...)})
	}
	if err := flush("stats_rollup_area", "month, area, institution_id, clr_type, refer, poor", sumUpdate("stats_rollup_area"), 16, rs); err != nil {
		return err
	}
	rs = rs[:0]
	for k, v := range dl.person {
		rs = append(rs, row{fmt.Sprintf("%d/%020d", k.year, k.person), []any{k.year, k.person, v}})
	}
	return flush("stats_rollup_person", "year, person_id", "pos_fund = stats_rollup_person.pos_fund + excluded.pos_fund", 3, rs)
}

// ensureTrigger creates the trigger that records people who move or
// change categories (per engine: a migration is one text for both).
func ensureTrigger(ctx context.Context, d *db.DB) error {
	if d.Dialect() == db.SQLite {
		_, err := d.ExecContext(ctx, `CREATE TRIGGER IF NOT EXISTS stats_rollup_person_moved
			AFTER UPDATE OF area_path, categories ON persons
			WHEN OLD.area_path IS NOT NEW.area_path OR OLD.categories IS NOT NEW.categories
			BEGIN
				INSERT OR IGNORE INTO stats_rollup_moved (person_id, old_area_path, old_categories)
				VALUES (OLD.id, OLD.area_path, OLD.categories);
			END`)
		return err
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'stats_rollup_person_moved'`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		// Two first refreshes at once: the second waits here, then finds it.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM stats_rollup_mark WHERE id = 1 FOR UPDATE`); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'stats_rollup_person_moved'`).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE FUNCTION stats_rollup_person_moved() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO stats_rollup_moved (person_id, old_area_path, old_categories)
				VALUES (OLD.id, OLD.area_path, OLD.categories) ON CONFLICT (person_id) DO NOTHING;
				RETURN NULL;
			END $$`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TRIGGER stats_rollup_person_moved AFTER UPDATE OF area_path, categories ON persons
			FOR EACH ROW WHEN (OLD.area_path IS DISTINCT FROM NEW.area_path OR OLD.categories IS DISTINCT FROM NEW.categories)
			EXECUTE FUNCTION stats_rollup_person_moved()`)
		return err
	})
}
