package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"ncms/internal/bench"
)

// runBench measures HIS settlement over loopback HTTP (SQLite and, with
// --pg, PostgreSQL), the machine's ceilings (pgbench, a bare SQLite loop),
// the engine, the household import and the full-year statistics of a
// county of --size people, with each section's peak memory, and prints a
// summary, a Markdown section for docs/performance.md (--markdown) or
// JSON (--json). --only selects sections.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, _ := newFlags("bench", stderr)
	pg := fs.String("pg", os.Getenv("NCMS_BENCH_PG"), "PostgreSQL server DSN (scratch databases are created and dropped on it); empty: SQLite only (env NCMS_BENCH_PG)")
	noSQLite := fs.Bool("no-sqlite", false, "skip SQLite")
	conc := fs.String("c", "1,4,16,64", "HIS client concurrencies, comma-separated")
	dur := fs.Duration("d", 5*time.Second, "duration of each timed phase")
	runs := fs.Int("runs", 3, "runs per figure (the median is reported)")
	persons := fs.Int("persons", 2000, "enrolled persons in the scratch county")
	schemes := fs.String("schemes", "schemes", "directory holding chongqing-2013.yaml and one-stop.yaml")
	pgbench := fs.String("pgbench", "", "pgbench binary (default: PATH, then /usr/lib/postgresql/*/bin/pgbench)")
	scale := fs.Int("pgbench-scale", 10, "pgbench -i -s")
	noPgbench := fs.Bool("no-pgbench", false, "skip pgbench")
	noLoop := fs.Bool("no-loop", false, "skip the bare SQLite loop")
	noEngine := fs.Bool("no-engine", false, "skip the engine figure")
	short := fs.Bool("short", false, "a smoke run of a few seconds (figures meaningless)")
	only := fs.String("only", "", "sections to run, comma-separated: "+strings.Join(bench.Sections, ",")+" (default: all)")
	skip := fs.String("skip", "", "ENGINE:SECTION pairs not to run, comma-separated (e.g. postgres:report)")
	importRuns := fs.Int("import-runs", 0, "imports per engine, each into a fresh database (default: --runs)")
	size := fs.Int("size", 0, "people imported (import), enrollees and settlements (report); default 1000000 (--short: 2000); the targets are judged at 1000000 only")
	md := fs.Bool("markdown", false, "print a Markdown section for docs/performance.md")
	js := fs.Bool("json", false, "print JSON")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	from := fs.String("from", "", "print a report saved with --json instead of measuring")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var cs []int
	for _, f := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			fmt.Fprintf(stderr, "ncms bench: -c %q: want numbers 1–1024 separated by commas\n", *conc)
			return 2
		}
		cs = append(cs, n)
	}
	var sections []string
	if *only != "" {
		for _, f := range strings.Split(*only, ",") {
			sections = append(sections, strings.TrimSpace(f))
		}
		if err := bench.CheckSections(sections); err != nil {
			fmt.Fprintf(stderr, "ncms bench: --only: %v\n", err)
			return 2
		}
	}
	var skips []string
	if *skip != "" {
		for _, f := range strings.Split(*skip, ",") {
			skips = append(skips, strings.TrimSpace(f))
		}
		if err := bench.CheckSkip(skips); err != nil {
			fmt.Fprintf(stderr, "ncms bench: --skip: %v\n", err)
			return 2
		}
	}
	if *size < 0 {
		fmt.Fprintf(stderr, "ncms bench: --size %d: want a positive number of people\n", *size)
		return 2
	}
	opt := bench.Options{Only: sections, Skip: skips, Size: *size, ImportRuns: *importRuns, SQLite: !*noSQLite, PG: *pg, Concurrency: cs, Duration: *dur, Runs: *runs, Persons: *persons,
		SchemeDir: *schemes, PgBench: *pgbench, PgScale: *scale, NoPgBench: *noPgbench, NoLoop: *noLoop, NoEngine: *noEngine,
		Short: *short, Log: stderr, Command: "ncms bench " + redactArgs(args)}
	if *quiet {
		opt.Log = nil
	}
	var rep *bench.Report
	var err error
	if *from != "" {
		rep, err = bench.Load(*from)
	} else {
		rep, err = bench.Run(ctx, opt)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms bench: %v\n", err)
		return 1
	}
	switch {
	case *js:
		_ = rep.JSON(stdout)
	case *md:
		rep.Markdown(stdout)
	default:
		rep.Text(stdout)
	}
	return 0
}

// redactArgs hides a password in a --pg DSN for the report.
func redactArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if at := strings.Index(a, "@"); at > 0 && strings.Contains(a, "://") {
			if c := strings.LastIndex(a[:at], ":"); c > strings.Index(a, "://")+2 {
				a = a[:c] + ":***" + a[at:]
			}
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
