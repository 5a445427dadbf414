package stats_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/fund"
	"ncms/internal/importfile"
	"ncms/internal/registry"
	"ncms/internal/stats"
)

// The big-data benchmarks of docs/performance.md ("Statistics", "Pan
// county enrollment"). Sizes come from the environment so that the
// default run is small:
//
//	NCMS_BENCH_ENROLLEES=1000000 NCMS_BENCH_SETTLEMENTS=1000000 \
//	  go test ./internal/stats -run '^$' -bench YearReport -benchtime 5x -timeout 60m
//	NCMS_BENCH_PAN=947387 go test ./internal/stats -run '^$' -bench PanEnrollment -benchtime 1x -timeout 60m
//
// NCMS_BENCH_PG=1 runs them on PostgreSQL instead of SQLite.

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchDB(b *testing.B) *db.DB {
	if os.Getenv("NCMS_BENCH_PG") == "1" {
		return dbtest.Postgres(b)
	}
	return dbtest.SQLite(b)
}

// benchNow is the benchmarks' clock: the 2026 year is running.
var benchNow = time.Date(2026, 12, 31, 2, 0, 0, 0, time.UTC)

// county builds a county of n real registry rows (the household importer
// on its generated roster, as `ncms import households --generate`) and
// enrolls everyone for 2026 at Pan county's standard (individual 30 +
// government 200) through enroll.EnrollBulk. It returns the system actor's
// context and the bulk enrollment's wall time.
func county(b *testing.B, d *db.DB, n int) (context.Context, time.Duration, enroll.BulkResult) {
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		root, err := tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520221', '盘县', '', '2025-01-01T00:00:00.000000Z')`)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", root), root)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	actx := access.WithActor(ctx, access.System("bench"))
	path := filepath.Join(b.TempDir(), "households.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := registry.GenerateHouseholdCSV(f, registry.GenerateOptions{Persons: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	file, _ := os.Open(path)
	defer file.Close()
	rd, err := importfile.Open(file, "households.csv", importfile.Options{Columns: registry.HouseholdColumns})
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	t0 := time.Now()
	res, err := registry.New(d, registry.Options{}).ImportHouseholds(actx, rd, registry.ImportOptions{FileName: "households.csv"})
	if err != nil || res.Imported != n {
		b.Fatalf("imported %d of %d: %v", res.Imported, n, err)
	}
	b.Logf("registry import of %d persons: %s", n, time.Since(t0).Round(time.Millisecond))
	en := enroll.New(d, enroll.Options{Now: func() time.Time { return benchNow }})
	p, _ := enroll.PresetByKey("pan")
	if _, err := en.CreateYear(actx, enroll.YearInput{Year: 2026, WaitingDays: -1}); err != nil {
		b.Fatal(err)
	}
	if _, err := en.SetStandards(actx, 2026, p.Standards, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := en.SetStatus(actx, 2026, enroll.Open); err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	br, err := en.EnrollBulk(actx, enroll.BulkInput{Year: 2026, Tier: 1, PaidOn: civil.New(2025, 11, 1)})
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	b.Logf("bulk enrollment of %d persons in %d households: %s", br.Persons, br.Households, took.Round(time.Millisecond))
	return actx, took, br
}

// settlements writes s settlements of 2026 (with their visits) directly by
// INSERT … SELECT — a report benchmark needs the rows, not the engine: one
// per enrolled person up to s (every 8th an admission, every 40th of those
// referred out), spread over the year and over five institutions of every
// level, with a 1 KB result_json like a real settlement's.
func settlements(b *testing.B, d *db.DB, s int) {
	ctx := context.Background()
	t0 := time.Now()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var ids []int64
		for i, lvl := range []string{"village", "township", "county", "city", "province"} {
			id, err := tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
				VALUES (?, ?, ?, ?, TRUE, TRUE, 'active', '2020-01-01', ?, '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`,
				fmt.Sprintf("H52022100000%d", i), "机构"+lvl, lvl, i < 3, fmt.Sprintf("bench%d", i))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		scheme, err := tx.InsertID(ctx, `INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
			VALUES ('bench', 1, '2026-01-01', '2026-12-31', '2026-01-01', 'active', '', '', '2025-01-01T00:00:00.000000Z')`)
		if err != nil {
			return err
		}
		day, filler := "date('2026-01-01', '+' || (p.id % 365) || ' days')", "hex(zeroblob(500))"
		if d.Dialect() == db.Postgres {
			day, filler = "CAST(DATE '2026-01-01' + CAST(p.id % 365 AS INTEGER) AS TEXT)", "repeat('0', 1000)"
		}
		inst := fmt.Sprintf("CASE p.id %% 5 WHEN 0 THEN %d WHEN 1 THEN %d WHEN 2 THEN %d WHEN 3 THEN %d ELSE %d END", ids[0], ids[1], ids[2], ids[3], ids[4])
		if _, err := tx.ExecContext(ctx, `INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date,
			diagnoses, status, created_at, updated_at)
			SELECT `+inst+`, p.id, p.household_id, CASE WHEN p.id % 8 = 0 THEN '21' ELSE '11' END,
				CASE WHEN p.id % 320 = 0 THEN '23' WHEN p.id % 8 = 0 THEN '21' ELSE '11' END, `+day+`, `+day+`,
				'J18.900', 'discharged', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
			FROM enrollments e JOIN persons p ON p.id = e.person_id WHERE e.year = 2026 ORDER BY e.id LIMIT ?`, s); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type,
			clr_type, reverses_id, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
			act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, result_json)
			SELECT x.id, x.institution_id, x.person_id, x.household_id, 2026, ?, x.kind, x.med_type, x.clr_type, NULL, x.begin_date,
				x.begin_date || 'T02:00:00.000000Z', x.cost, 0, 0, 0, x.cost * 9 / 10, 0, x.cost * 6 / 10, 0, 0, 0, x.cost * 6 / 10,
				x.cost - x.cost * 6 / 10, 0, x.cost - x.cost * 6 / 10, 0, `+filler+`
			FROM (SELECT v.*, CASE WHEN v.clr_type = '21' THEN 'inpatient' ELSE 'outpatient' END AS kind,
				CASE WHEN v.clr_type = '21' THEN 300000 + (v.id % 1000) * 1000 ELSE 2000 + (v.id % 100) * 100 END AS cost
				FROM visits v) x`, scheme)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	} else if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if d.Dialect() == db.SQLite {
		// Fold the WAL into the database, as the automatic checkpoint does
		// on a live system (a 1.7 GB WAL makes every read look it up).
		if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d settlements written in %s", s, time.Since(t0).Round(time.Millisecond))
}

// BenchmarkYearReport: the full-year report of a county of
// NCMS_BENCH_ENROLLEES enrollees and NCMS_BENCH_SETTLEMENTS settlements.
func BenchmarkYearReport(b *testing.B) {
	n, s := envInt("NCMS_BENCH_ENROLLEES", 20000), envInt("NCMS_BENCH_SETTLEMENTS", 20000)
	if s > n {
		b.Fatalf("at most one settlement per enrollee (%d > %d)", s, n)
	}
	var d *db.DB
	ctx := access.WithActor(context.Background(), access.System("bench"))
	if path := os.Getenv("NCMS_BENCH_DB"); path != "" {
		// A county kept from an earlier run: reuse it. With
		// NCMS_BENCH_BUILD=1 the (new, empty) database is built first and
		// kept, so that later runs reuse it.
		var err error
		if d, err = db.Open(ctx, path); err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		if os.Getenv("NCMS_BENCH_BUILD") == "1" {
			ctx, _, _ = county(b, d, n)
			settlements(b, d, s)
		}
	} else {
		d = benchDB(b)
		ctx, _, _ = county(b, d, n)
		settlements(b, d, s)
	}
	// The rollup (docs/stats.md "Rollup") as the nightly job leaves it: the
	// days before the bench clock's rolled up (timed; on a kept county the
	// first run builds it, later runs find nothing to do), today's live.
	// NCMS_BENCH_DIRECT=1 times the direct computation instead.
	st := stats.NewWith(d, stats.Options{Now: func() time.Time { return benchNow }, Direct: os.Getenv("NCMS_BENCH_DIRECT") == "1"})
	c0, t0 := cpuTime(), time.Now()
	r, err := st.Refresh(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("rollup refresh: %d settlements in %s (%.2f CPU-s)", r.Settlements, time.Since(t0).Round(time.Millisecond), (cpuTime() - c0).Seconds())
	for _, q := range []stats.Query{
		{Report: "summary", Period: stats.Year(2026)},
		{Report: "compensation", Period: stats.Year(2026), By: stats.ByTownship},
		{Report: "participation", Period: stats.Year(2026), By: stats.ByVillage},
		{Report: "monthly", Period: stats.Year(2026)},
		{Report: "service", Period: stats.Year(2026), By: stats.ByLevel},
	} {
		b.Run(q.Report+"-"+string(q.By), func(b *testing.B) {
			var t *stats.Table
			c0 := cpuTime()
			for b.Loop() {
				var err error
				if t, err = st.Table(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
			if q.Report == "summary" {
				for _, r := range t.Rows {
					if r.Key == "visits" || r.Key == "enrollees" || r.Key == "benefit_rate" || r.Key == "compensation" {
						b.Logf("%s = %s", r.Key, r.Cells[0])
					}
				}
			}
		})
	}
}

// BenchmarkPanEnrollment: NCMS_BENCH_PAN persons (947,387 for the SPEC
// figures) registered, then enrolled with real rows by EnrollBulk (timed),
// then the fund report with a 5% risk reserve (timed); at 947,387 the
// figures must be SPEC §13.1's exactly.
func BenchmarkPanEnrollment(b *testing.B) {
	n := envInt("NCMS_BENCH_PAN", 20000)
	for b.Loop() {
		b.StopTimer()
		d := benchDB(b)
		b.StartTimer()
		ctx, took, br := county(b, d, n)
		b.ReportMetric(took.Seconds(), "enroll-s")
		b.ReportMetric(float64(br.Persons)/took.Seconds(), "persons/s")
		f := fund.New(d, func() time.Time { return benchNow })
		t0 := time.Now()
		if _, err := f.Allocate(ctx, fund.AllocateInput{Year: 2026, ReserveRate: 500, On: civil.New(2026, 1, 5)}); err != nil {
			b.Fatal(err)
		}
		r, err := fund.Build(ctx, d, 2026)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "fund-report-s")
		a := r.Allocation
		got := fmt.Sprintf("enrollees %d raised %s万 reserve %s万 usable %s万 plan %s万", r.Enrollees, fund.Wan(r.IncomeSum.Due, 1),
			fund.Wan(a.Reserve, 1), fund.Wan(a.Usable, 1), fund.Wan(a.MonthlyPlan, 2))
		b.Log(got)
		if n == 947387 && got != "enrollees 947387 raised 21,789.9万 reserve 1,089.5万 usable 20,700.4万 plan 1,725.03万" {
			b.Fatalf("Pan county figures: %s", got)
		}
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
}

// cpuTime is the process's user + system CPU time so far: on this shared
// machine wall time mostly measures the other users' load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
