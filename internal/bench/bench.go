// Package bench measures ncms end to end (`ncms bench`, docs/performance.md):
// real-time settlement by hospitals' HIS clients over loopback HTTP with
// persistence, on SQLite and PostgreSQL, at several concurrencies; and, in
// the same run, the ceilings of the machine it runs on — `pgbench -b
// tpcb-like` against the same PostgreSQL server, and a bare SQLite loop
// writing the same rows per transaction as one settlement — plus the
// engine's settlements per second on one core; the household import of a
// generated roster of a million people (the path of `ncms import
// households`); and the full-year statistical tables of a county of a
// million enrollees and a million settlements (the path of `ncms report`).
// Every section reports the peak memory of the process while it ran.
// Every figure is the median of --runs runs. Performance is measured and
// reported, never asserted.
//
// The HIS part builds a scratch county (the vendors' sandbox of
// internal/his plus generated enrolled households), serves the same HIS
// handler `ncms serve` mounts at his.Prefix on 127.0.0.1:0, and drives it
// with the Go HIS client (signed x-tif-* headers, real envelopes): per
// visit 2201 register → 2204 upload 4 lines → 2207 settle.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"ncms/internal/db"
)

// Options configure a run. The zero value is completed by defaults.
type Options struct {
	SQLite      bool          // measure the HIS on SQLite (a fresh file in TempDir)
	PG          string        // PostgreSQL server DSN: scratch databases are created and dropped on it ("" = skip PostgreSQL)
	Concurrency []int         // HIS clients at once; default 1, 4, 16, 64
	Duration    time.Duration // per phase and concurrency; default 5 s
	Runs        int           // repetitions; figures are medians; default 3
	Persons     int           // generated enrolled persons; default 2,000
	HotPersons  int           // persons who get HotShare of the visits; default 3
	HotShare    float64       // default 0.1
	Trace       bool          // unused by the HIS (it always stores the trace); kept for symmetry
	SchemeDir   string        // where chongqing-2013.yaml and one-stop.yaml are; default "schemes"
	PgBench     string        // pgbench binary; default: PATH, then /usr/lib/postgresql/*/bin
	PgScale     int           // pgbench -i -s; default 10
	NoPgBench   bool          // skip pgbench
	NoLoop      bool          // skip the bare SQLite loop
	NoEngine    bool          // skip the engine figure
	TempDir     string        // where SQLite files go; default os.TempDir()
	Short       bool          // a smoke run: tiny durations and counts (tests)
	Only        []string      // sections to run (Sections); empty: all (less the No* ones)
	Size        int           // people imported and enrollees = settlements of the report; default TargetSize (Short: 2,000)
	ImportRuns  int           // imports per engine (each into a fresh database); default Runs
	Skip        []string      // "engine:section" pairs not to run, e.g. "postgres:report"
	Log         io.Writer     // progress lines; nil: none
	Command     string        // the command line, for the report
}

func (o *Options) defaults() {
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 4, 16, 64}
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Persons <= 0 {
		o.Persons = 2000
	}
	if o.HotPersons <= 0 {
		o.HotPersons = 3
	}
	if o.HotShare <= 0 {
		o.HotShare = 0.1
	}
	if o.SchemeDir == "" {
		o.SchemeDir = "schemes"
	}
	if o.PgScale <= 0 {
		o.PgScale = 10
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.Short {
		o.Duration = 300 * time.Millisecond
		o.Runs = 1
		o.Persons = 24
		o.PgScale = 1
		if o.Size <= 0 {
			o.Size = 2000
		}
	}
	if o.Size <= 0 {
		o.Size = TargetSize
	}
	if o.ImportRuns <= 0 || o.Short {
		o.ImportRuns = o.Runs
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Sections are the parts of a run, in the order they run (per engine for
// his, loop, pgbench, import and report).
var Sections = []string{"engine", "his", "loop", "pgbench", "import", "report"}

// on reports whether section runs.
func (o *Options) on(section string) bool {
	switch {
	case section == "engine" && o.NoEngine, section == "loop" && o.NoLoop, section == "pgbench" && o.NoPgBench:
		return false
	case len(o.Only) == 0:
		return true
	}
	return slices.Contains(o.Only, section)
}

// onFor reports whether section runs on engine (sqlite, postgres).
func (o *Options) onFor(engine, section string) bool {
	return o.on(section) && !slices.Contains(o.Skip, engine+":"+section)
}

// CheckSkip refuses a --skip pair that is not engine:section.
func CheckSkip(pairs []string) error {
	for _, p := range pairs {
		e, s, ok := strings.Cut(p, ":")
		if !ok || (e != "sqlite" && e != "postgres") || !slices.Contains(Sections, s) {
			return fmt.Errorf("%q: want ENGINE:SECTION with ENGINE sqlite or postgres and SECTION one of %s", p, strings.Join(Sections, ", "))
		}
	}
	return nil
}

// CheckSections refuses a section name not in Sections.
func CheckSections(names []string) error {
	for _, n := range names {
		if !slices.Contains(Sections, n) {
			return fmt.Errorf("unknown section %q (want some of %s)", n, strings.Join(Sections, ", "))
		}
	}
	return nil
}

// Report is everything a run measured.
type Report struct {
	Machine  Machine        `json:"machine"`
	Command  string         `json:"command"`
	Revision string         `json:"revision,omitempty"` // the binary's VCS revision ("+modified" when built from a changed tree)
	Started  time.Time      `json:"started"`
	Elapsed  Seconds        `json:"elapsed_s"`
	Runs     int            `json:"runs"`
	Duration Seconds        `json:"phase_duration_s"`
	Persons  int            `json:"persons"`
	Sections []string       `json:"sections,omitempty"` // what ran (empty in reports from before sections)
	Skipped  []string       `json:"skipped,omitempty"`  // engine:section pairs left out
	Size     int            `json:"size,omitempty"`     // people imported; enrollees and settlements of the report
	Engine   *EngineFigures `json:"engine,omitempty"`
	HIS      []HISFigure    `json:"his"`
	PgBench  []PgBenchRow   `json:"pgbench,omitempty"`
	PgNote   string         `json:"pgbench_note,omitempty"`
	Loop     *LoopFigure    `json:"sqlite_loop,omitempty"`
	Import   []ImportFigure `json:"import,omitempty"`
	Reports  []ReportFigure `json:"report,omitempty"`
	Memory   []Memory       `json:"memory,omitempty"` // peak memory of every section (the import and report ones too)
	Notes    []string       `json:"notes,omitempty"`
}

// Seconds is a duration reported in seconds.
type Seconds float64

func secs(d time.Duration) Seconds { return Seconds(d.Seconds()) }

// Run measures everything opt asks for.
func Run(ctx context.Context, opt Options) (*Report, error) {
	opt.defaults()
	rep := &Report{Command: opt.Command, Started: time.Now().UTC(), Runs: opt.Runs, Duration: secs(opt.Duration),
		Persons: opt.Persons, Size: opt.Size}
	for _, s := range Sections {
		if opt.on(s) {
			rep.Sections = append(rep.Sections, s)
		}
	}
	rep.Skipped = opt.Skip
	rep.Machine = machine(ctx, opt)
	rep.Revision = revision()
	if opt.on("engine") {
		fmt.Fprintln(opt.Log, "engine: settlements per second on one core")
		w := watchMemory("engine", "")
		e, err := engineFigures(filepath.Join(opt.SchemeDir, "one-stop.yaml"), opt)
		rep.Memory = append(rep.Memory, w.end())
		if err != nil {
			return nil, err
		}
		rep.Engine = e
	}
	roster := ""
	big := func(e string) bool { return opt.onFor(e, "import") || opt.onFor(e, "report") }
	if opt.SQLite && big("sqlite") || opt.PG != "" && big("postgres") {
		fmt.Fprintf(opt.Log, "roster: generating %d people\n", opt.Size)
		var err error
		if roster, err = writeRoster(opt.TempDir, opt.Size); err != nil {
			return nil, fmt.Errorf("bench roster: %w", err)
		}
		defer os.Remove(roster)
	}
	if opt.SQLite {
		if err := rep.runSQLite(ctx, opt, roster); err != nil {
			return nil, err
		}
	}
	if opt.PG != "" {
		if err := rep.runPG(ctx, opt, roster); err != nil {
			return nil, err
		}
	}
	rep.Machine.LoadAfter = loadAvg()
	rep.Elapsed = secs(time.Since(rep.Started))
	return rep, nil
}

// section runs f with its memory watched.
func (r *Report) section(name, engine string, f func() error) error {
	debug.FreeOSMemory()
	w := watchMemory(name, engine)
	err := f()
	r.Memory = append(r.Memory, w.end())
	return err
}

// runSQLite runs the sections on SQLite, each on fresh files in TempDir.
func (r *Report) runSQLite(ctx context.Context, opt Options, roster string) error {
	if opt.onFor("sqlite", "his") {
		path := filepath.Join(opt.TempDir, fmt.Sprintf("ncms-bench-%d.db", time.Now().UnixNano()))
		err := r.section("his", "sqlite", func() error {
			figs, err := runHIS(ctx, opt, "sqlite", "sqlite:"+path)
			r.HIS = append(r.HIS, figs...)
			return err
		})
		removeSQLite(path)
		if err != nil {
			return fmt.Errorf("bench sqlite: %w", err)
		}
	}
	if opt.onFor("sqlite", "loop") {
		fmt.Fprintln(opt.Log, "sqlite: bare loop")
		err := r.section("loop", "sqlite", func() (err error) {
			r.Loop, err = sqliteLoop(ctx, opt)
			return err
		})
		if err != nil {
			return fmt.Errorf("bench sqlite loop: %w", err)
		}
	}
	if roster == "" || !opt.onFor("sqlite", "import") && !opt.onFor("sqlite", "report") {
		return nil
	}
	fresh := func(ctx context.Context) (*db.DB, func(), error) {
		path := filepath.Join(opt.TempDir, fmt.Sprintf("ncms-bench-county-%d.db", time.Now().UnixNano()))
		d, err := db.Open(ctx, "sqlite:"+path)
		if err != nil {
			removeSQLite(path)
			return nil, nil, err
		}
		return d, func() { d.Close(); removeSQLite(path) }, nil
	}
	return r.bigData(ctx, opt, "sqlite", fresh, roster)
}

// runPG runs the sections on PostgreSQL, each in scratch databases
// created and dropped on the server.
func (r *Report) runPG(ctx context.Context, opt Options, roster string) error {
	srv, err := newPGServer(ctx, opt.PG)
	if err != nil {
		return err
	}
	defer srv.close()
	r.Machine.PostgreSQL = srv.version
	if opt.onFor("postgres", "his") {
		dsn, drop, err := srv.scratch(ctx, "ncms_bench")
		if err != nil {
			return err
		}
		err = r.section("his", "postgres", func() error {
			figs, err := runHIS(ctx, opt, "postgres", dsn)
			r.HIS = append(r.HIS, figs...)
			return err
		})
		drop()
		if err != nil {
			return fmt.Errorf("bench postgres: %w", err)
		}
	}
	if opt.onFor("postgres", "pgbench") {
		_ = r.section("pgbench", "postgres", func() error {
			r.PgBench, r.PgNote = srv.pgbench(ctx, opt)
			return nil
		})
	}
	if roster == "" || !opt.onFor("postgres", "import") && !opt.onFor("postgres", "report") {
		return nil
	}
	fresh := func(ctx context.Context) (*db.DB, func(), error) {
		dsn, drop, err := srv.scratch(ctx, "ncms_bench_county")
		if err != nil {
			return nil, nil, err
		}
		d, err := db.Open(ctx, dsn)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return d, func() { d.Close(); drop() }, nil
	}
	return r.bigData(ctx, opt, "postgres", fresh, roster)
}

// bigData runs the import and report sections on one engine.
func (r *Report) bigData(ctx context.Context, opt Options, engine string, fresh freshDB, roster string) error {
	imp, rep, err := bigData(ctx, opt, engine, fresh, roster)
	if imp != nil {
		r.Import = append(r.Import, *imp)
		r.Memory = append(r.Memory, imp.Memory)
	}
	if rep != nil {
		r.Reports = append(r.Reports, *rep)
		r.Memory = append(r.Memory, rep.Build, rep.Memory)
	}
	if err != nil {
		return fmt.Errorf("bench %s: %w", engine, err)
	}
	return nil
}

// buildRevision names the source when it is not a Git checkout (go build
// -ldflags "-X ncms/internal/bench.buildRevision=…" on an exported tree).
var buildRevision string

// revision is the VCS revision the binary was built from.
func revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return buildRevision
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return buildRevision
	}
	return rev + modified
}

func removeSQLite(path string) {
	for _, s := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + s)
	}
}
