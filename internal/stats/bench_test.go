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
	"ncms/internal/bench/seed"
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
	t0 = time.Now()
	br, err := seed.Enroll(actx, d, 2026, func() time.Time { return benchNow })
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	b.Logf("bulk enrollment of %d persons in %d households: %s", br.Persons, br.Households, took.Round(time.Millisecond))
	return actx, took, br
}

// settlements writes s settlements of 2026 directly (seed.Settlements,
// shared with `ncms bench`).
func settlements(b *testing.B, d *db.DB, s int) {
	t0 := time.Now()
	if _, err := seed.Settlements(context.Background(), d, 2026, s); err != nil {
		b.Fatal(err)
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
