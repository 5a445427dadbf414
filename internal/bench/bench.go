// Package bench measures ncms end to end (`ncms bench`, docs/performance.md):
// real-time settlement by hospitals' HIS clients over loopback HTTP with
// persistence, on SQLite and PostgreSQL, at several concurrencies; and, in
// the same run, the ceilings of the machine it runs on — `pgbench -b
// tpcb-like` against the same PostgreSQL server, and a bare SQLite loop
// writing the same rows per transaction as one settlement — plus the
// engine's settlements per second on one core. Every figure is the median
// of --runs runs. Performance is measured and reported, never asserted.
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
	"time"
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
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Report is everything a run measured.
type Report struct {
	Machine  Machine        `json:"machine"`
	Command  string         `json:"command"`
	Started  time.Time      `json:"started"`
	Elapsed  Seconds        `json:"elapsed_s"`
	Runs     int            `json:"runs"`
	Duration Seconds        `json:"phase_duration_s"`
	Persons  int            `json:"persons"`
	Engine   *EngineFigures `json:"engine,omitempty"`
	HIS      []HISFigure    `json:"his"`
	PgBench  []PgBenchRow   `json:"pgbench,omitempty"`
	PgNote   string         `json:"pgbench_note,omitempty"`
	Loop     *LoopFigure    `json:"sqlite_loop,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
}

// Seconds is a duration reported in seconds.
type Seconds float64

func secs(d time.Duration) Seconds { return Seconds(d.Seconds()) }

// Run measures everything opt asks for.
func Run(ctx context.Context, opt Options) (*Report, error) {
	opt.defaults()
	rep := &Report{Command: opt.Command, Started: time.Now().UTC(), Runs: opt.Runs, Duration: secs(opt.Duration),
		Persons: opt.Persons}
	rep.Machine = machine(ctx, opt)
	if !opt.NoEngine {
		fmt.Fprintln(opt.Log, "engine: settlements per second on one core")
		e, err := engineFigures(filepath.Join(opt.SchemeDir, "one-stop.yaml"), opt)
		if err != nil {
			return nil, err
		}
		rep.Engine = e
	}
	if opt.SQLite {
		path := filepath.Join(opt.TempDir, fmt.Sprintf("ncms-bench-%d.db", time.Now().UnixNano()))
		figs, err := runHIS(ctx, opt, "sqlite", "sqlite:"+path)
		for _, s := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + s)
		}
		if err != nil {
			return nil, fmt.Errorf("bench sqlite: %w", err)
		}
		rep.HIS = append(rep.HIS, figs...)
		if !opt.NoLoop {
			fmt.Fprintln(opt.Log, "sqlite: bare loop")
			if rep.Loop, err = sqliteLoop(ctx, opt); err != nil {
				return nil, fmt.Errorf("bench sqlite loop: %w", err)
			}
		}
	}
	if opt.PG != "" {
		srv, err := newPGServer(ctx, opt.PG)
		if err != nil {
			return nil, err
		}
		defer srv.close()
		rep.Machine.PostgreSQL = srv.version
		dsn, drop, err := srv.scratch(ctx, "ncms_bench")
		if err != nil {
			return nil, err
		}
		figs, err := runHIS(ctx, opt, "postgres", dsn)
		drop()
		if err != nil {
			return nil, fmt.Errorf("bench postgres: %w", err)
		}
		rep.HIS = append(rep.HIS, figs...)
		if !opt.NoPgBench {
			rep.PgBench, rep.PgNote = srv.pgbench(ctx, opt)
		}
	}
	rep.Machine.LoadAfter = loadAvg()
	rep.Elapsed = secs(time.Since(rep.Started))
	return rep, nil
}
