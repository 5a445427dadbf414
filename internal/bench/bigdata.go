package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"ncms/internal/access"
	"ncms/internal/bench/seed"
	"ncms/internal/db"
	"ncms/internal/importfile"
	"ncms/internal/registry"
	"ncms/internal/setup"
	"ncms/internal/stats"
)

// TargetSize is the county size the import and report targets are stated
// for; at another --size the figures are measured but not judged.
const TargetSize = 1_000_000

// Targets of the big-data sections (docs/performance.md).
const (
	ImportTarget = 30 * time.Second // 1,000,000 people imported
	ReportTarget = 3 * time.Second  // each full-year table, 1,000,000 enrollees and settlements
)

// Verdicts.
const (
	Pass = "pass"
	Miss = "miss"
)

// verdict judges took against target at size.
func verdict(size int, took, target time.Duration) string {
	switch {
	case size != TargetSize:
		return fmt.Sprintf("not judged (size %s; the target is for %s)", thousands(float64(size)), thousands(TargetSize))
	case took <= target:
		return Pass
	}
	return Miss
}

// ImportFigure is the household import of a generated roster of Size
// people into a fresh database: the path of `ncms import households` and
// the console's import page (importfile.Open + registry.ImportHouseholds),
// timed from opening the file to the commit. Medians over the runs.
type ImportFigure struct {
	Engine       string    `json:"engine"`
	Persons      int       `json:"persons"`    // persons written (each run must write them all)
	Households   int       `json:"households"` // households written
	AreasCreated int       `json:"areas_created"`
	FileMB       float64   `json:"file_mb"`
	Seconds      Seconds   `json:"seconds"`    // wall time, median run
	Validate     Seconds   `json:"validate_s"` // check pass of the median run
	Write        Seconds   `json:"write_s"`    // write pass of the median run
	CPU          Seconds   `json:"cpu_s"`      // this process's user + system CPU in the median run
	RunsS        []float64 `json:"runs_s"`
	Target       Seconds   `json:"target_s"`
	Verdict      string    `json:"verdict"`
	Memory       Memory    `json:"memory"`
}

// ReportFigure is the full-year statistics of a county of Size enrollees
// and Size settlements, through stats.Service.Table — the call behind
// `ncms report`, /stats and /api/v1/stats — reading the rollup as the
// nightly refresh leaves it.
type ReportFigure struct {
	Engine      string        `json:"engine"`
	Year        int           `json:"year"`
	Clock       string        `json:"clock"`      // the stats service's "now"
	Enrollees   int64         `json:"enrollees"`  // enrolled by EnrollBulk
	Households  int64         `json:"households"` // enrolled households
	Settlements int64         `json:"settlements"`
	Visits      int64         `json:"summary_visits"`    // the summary table's compensated visits
	SumEnrolled int64         `json:"summary_enrollees"` // the summary table's enrollees
	EnrollS     Seconds       `json:"enroll_s"`          // enroll.EnrollBulk
	SeedS       Seconds       `json:"seed_s"`            // settlements by INSERT … SELECT, then ANALYZE
	RefreshS    Seconds       `json:"refresh_s"`         // stats refresh: the rollup built
	RolledUp    int64         `json:"rolled_up"`         // settlements the refresh rolled up
	Tables      []TableFigure `json:"tables"`
	Target      Seconds       `json:"target_s"` // per table
	Verdict     string        `json:"verdict"`  // pass if every table is within the target
	Build       Memory        `json:"build_memory"`
	Memory      Memory        `json:"memory"` // while the tables were computed
}

// TableFigure is one table of the year: medians over the runs.
type TableFigure struct {
	Name    string    `json:"name"` // report-by
	Seconds Seconds   `json:"seconds"`
	CPU     Seconds   `json:"cpu_s"` // this process; on PostgreSQL the work is the server's
	Rows    int       `json:"rows"`
	RunsS   []float64 `json:"runs_s"`
	Verdict string    `json:"verdict"`
}

// reportYear and reportClock: the year of the seeded county and the
// statistics clock, 31 December 10:00 China time — the year's days before
// it rolled up, that day's settlements read live (as internal/stats'
// benchmarks, so that figures compare).
const reportYear = 2026

var reportClock = time.Date(reportYear, 12, 31, 2, 0, 0, 0, time.UTC)

// reportQueries are the year's tables timed (those of internal/stats'
// BenchmarkYearReport).
var reportQueries = []stats.Query{
	{Report: "summary", Period: stats.Year(reportYear)},
	{Report: "compensation", Period: stats.Year(reportYear), By: stats.ByTownship},
	{Report: "participation", Period: stats.Year(reportYear), By: stats.ByVillage},
	{Report: "monthly", Period: stats.Year(reportYear)},
	{Report: "service", Period: stats.Year(reportYear), By: stats.ByLevel},
}

// freshDB makes an empty, migrated database and its disposal.
type freshDB func(ctx context.Context) (*db.DB, func(), error)

// bigData runs the import and report sections opt asks for on one engine.
func bigData(ctx context.Context, opt Options, engine string, fresh freshDB, roster string) (*ImportFigure, *ReportFigure, error) {
	var imp *ImportFigure
	var d *db.DB
	var drop func()
	defer func() {
		if drop != nil {
			drop()
		}
	}()
	if opt.onFor(engine, "import") {
		var err error
		imp, d, drop, err = importSection(ctx, opt, engine, fresh, roster)
		if err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
	}
	if !opt.onFor(engine, "report") {
		return imp, nil, nil
	}
	if d == nil { // the county the import section would have left
		fmt.Fprintf(opt.Log, "%s report: registering %d people (untimed)\n", engine, opt.Size)
		var err error
		if d, drop, err = fresh(ctx); err != nil {
			return imp, nil, err
		}
		if _, _, err := importOnce(ctx, d, roster); err != nil {
			return imp, nil, fmt.Errorf("report county: %w", err)
		}
	}
	rep, err := reportSection(ctx, opt, engine, d)
	if err != nil {
		return imp, nil, fmt.Errorf("report: %w", err)
	}
	return imp, rep, nil
}

// writeRoster generates the household file of n people (`ncms import
// households --generate n`, seed 1).
func writeRoster(dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("ncms-bench-households-%d-%d.csv", n, time.Now().UnixNano()))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	_, err = registry.GenerateHouseholdCSV(f, registry.GenerateOptions{Persons: n, Seed: 1})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return "", err
	}
	return path, nil
}

// initCounty is `ncms init` for the generator's county.
func initCounty(ctx context.Context, d *db.DB) error {
	_, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520123", CountyName: "修文县", AdminPassword: "bench-not-a-login-1"})
	return err
}

// importOnce initializes d and imports the roster as `ncms import
// households FILE` does; it returns the result and the wall time from
// opening the file to the commit.
func importOnce(ctx context.Context, d *db.DB, roster string) (registry.ImportResult, time.Duration, error) {
	if err := initCounty(ctx, d); err != nil {
		return registry.ImportResult{}, 0, err
	}
	ctx = access.WithActor(ctx, access.System("bench"))
	t0 := time.Now()
	file, err := os.Open(roster)
	if err != nil {
		return registry.ImportResult{}, 0, err
	}
	defer file.Close()
	rd, err := importfile.Open(file, filepath.Base(roster), importfile.Options{Columns: registry.HouseholdColumns})
	if err != nil {
		return registry.ImportResult{}, 0, err
	}
	defer rd.Close()
	res, err := registry.New(d, registry.Options{}).ImportHouseholds(ctx, rd, registry.ImportOptions{FileName: filepath.Base(roster)})
	return res, time.Since(t0), err
}

// importSection imports the roster opt.ImportRuns times, each into a fresh
// database; the last database is returned open (the report's county).
func importSection(ctx context.Context, opt Options, engine string, fresh freshDB, roster string) (*ImportFigure, *db.DB, func(), error) {
	f := &ImportFigure{Engine: engine, Target: secs(ImportTarget)}
	if st, err := os.Stat(roster); err == nil {
		f.FileMB = mb(uint64(st.Size()))
	}
	debug.FreeOSMemory()
	w := watchMemory("import", engine)
	var results []registry.ImportResult
	var cpus []time.Duration
	var d *db.DB
	var drop func()
	for r := 0; r < opt.ImportRuns; r++ {
		if drop != nil {
			drop()
		}
		var err error
		if d, drop, err = fresh(ctx); err != nil {
			w.end()
			return nil, nil, nil, err
		}
		c0 := cpuTime()
		res, took, err := importOnce(ctx, d, roster)
		cpu := cpuTime() - c0
		if err == nil && res.Imported != opt.Size {
			err = fmt.Errorf("imported %d persons of %d", res.Imported, opt.Size)
		}
		if err != nil {
			drop()
			w.end()
			return nil, nil, nil, err
		}
		fmt.Fprintf(opt.Log, "%s import run %d: %d persons in %d households, %.1f s (check %.1f s, write %.1f s, CPU %.1f s)\n",
			engine, r+1, res.Imported, res.Households, took.Seconds(), res.Validate.Seconds(), res.Write.Seconds(), cpu.Seconds())
		f.RunsS = append(f.RunsS, took.Seconds())
		results, cpus = append(results, res), append(cpus, cpu)
	}
	f.Memory = w.end()
	i := medianIndex(f.RunsS)
	res := results[i]
	f.Persons, f.Households, f.AreasCreated = res.Imported, res.Households, res.AreasCreated
	f.Seconds, f.Validate, f.Write, f.CPU = Seconds(median(f.RunsS)), secs(res.Validate), secs(res.Write), secs(cpus[i])
	f.Verdict = verdict(opt.Size, time.Duration(float64(f.Seconds)*float64(time.Second)), ImportTarget)
	return f, d, drop, nil
}

// reportSection enrolls everyone registered in d, writes one settlement
// per enrollee, refreshes the rollup and times every table of the year.
func reportSection(ctx context.Context, opt Options, engine string, d *db.DB) (*ReportFigure, error) {
	ctx = access.WithActor(ctx, access.System("bench"))
	now := func() time.Time { return reportClock }
	f := &ReportFigure{Engine: engine, Year: reportYear, Clock: reportClock.Format(time.RFC3339), Target: secs(ReportTarget)}
	debug.FreeOSMemory()
	w := watchMemory("report county build", engine)
	t0 := time.Now()
	br, err := seed.Enroll(ctx, d, reportYear, now)
	if err != nil {
		w.end()
		return nil, fmt.Errorf("enrollment: %w", err)
	}
	f.EnrollS, f.Enrollees, f.Households = secs(time.Since(t0)), br.Persons, br.Households
	fmt.Fprintf(opt.Log, "%s report: %d persons enrolled in %.1f s\n", engine, br.Persons, float64(f.EnrollS))
	t0 = time.Now()
	if f.Settlements, err = seed.Settlements(ctx, d, reportYear, opt.Size); err != nil {
		w.end()
		return nil, fmt.Errorf("settlements: %w", err)
	}
	f.SeedS = secs(time.Since(t0))
	fmt.Fprintf(opt.Log, "%s report: %d settlements written in %.1f s\n", engine, f.Settlements, float64(f.SeedS))
	st := stats.NewWith(d, stats.Options{Now: now})
	t0 = time.Now()
	rr, err := st.Refresh(ctx)
	if err != nil {
		w.end()
		return nil, fmt.Errorf("rollup refresh: %w", err)
	}
	f.RefreshS, f.RolledUp = secs(time.Since(t0)), rr.Settlements
	f.Build = w.end()
	fmt.Fprintf(opt.Log, "%s report: rollup refresh of %d settlements in %.1f s\n", engine, rr.Settlements, float64(f.RefreshS))
	debug.FreeOSMemory()
	w = watchMemory("report", engine)
	var worst Seconds
	for _, q := range reportQueries {
		tf := TableFigure{Name: q.Report}
		if q.By != "" {
			tf.Name += " by " + string(q.By)
		}
		var cpus []float64
		for r := 0; r < opt.Runs; r++ {
			c0, t0 := cpuTime(), time.Now()
			t, err := st.Table(ctx, q)
			took := time.Since(t0)
			if err != nil {
				w.end()
				return nil, fmt.Errorf("%s: %w", tf.Name, err)
			}
			tf.RunsS, cpus, tf.Rows = append(tf.RunsS, took.Seconds()), append(cpus, (cpuTime()-c0).Seconds()), len(t.Rows)
			if q.Report == "summary" {
				f.Visits, f.SumEnrolled = rowValue(t, "visits"), rowValue(t, "enrollees")
			}
			fmt.Fprintf(opt.Log, "%s report %s run %d: %.2f s\n", engine, tf.Name, r+1, took.Seconds())
		}
		tf.Seconds, tf.CPU = Seconds(median(tf.RunsS)), Seconds(median(cpus))
		tf.Verdict = verdict(opt.Size, time.Duration(float64(tf.Seconds)*float64(time.Second)), ReportTarget)
		worst = max(worst, tf.Seconds)
		f.Tables = append(f.Tables, tf)
	}
	f.Memory = w.end()
	f.Verdict = verdict(opt.Size, time.Duration(float64(worst)*float64(time.Second)), ReportTarget)
	return f, nil
}

// rowValue is the first cell of the summary row key (-1 if absent).
func rowValue(t *stats.Table, key string) int64 {
	for _, r := range t.Rows {
		if r.Key == key && len(r.Cells) > 0 {
			return r.Cells[0].V
		}
	}
	return -1
}
