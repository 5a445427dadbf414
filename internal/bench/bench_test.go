package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestBenchSmoke runs the whole benchmark in short mode on SQLite (and on
// PostgreSQL with pgbench when the test server answers): every phase must
// settle visits without errors and every report format must render. It
// asserts no timing: performance is measured, not asserted.
func TestBenchSmoke(t *testing.T) {
	opt := Options{SQLite: true, Short: true, Concurrency: []int{1, 4}, SchemeDir: "../../schemes", TempDir: t.TempDir(),
		Only:    []string{"engine", "his", "loop", "pgbench"}, // import and report: TestImportAndReportSections
		Command: "ncms bench --short --only=engine,his,loop,pgbench"}
	required := os.Getenv("NCMS_TEST_PG_REQUIRED") == "1" || os.Getenv("CI") == "true"
	if pg := os.Getenv("NCMS_TEST_PG"); pg != "" || required {
		if pg == "" {
			pg = dbtest.DefaultPG
		}
		d, err := db.OpenNoMigrate(context.Background(), pg)
		switch {
		case err == nil:
			d.Close()
			opt.PG = pg
		case required:
			t.Fatalf("PostgreSQL required: %v", err)
		default:
			t.Logf("PostgreSQL part skipped (%v); start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", err)
		}
	}
	if testing.Verbose() {
		opt.Log = os.Stderr
	}
	rep, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	engines := 1
	if opt.PG != "" {
		engines = 2
	}
	if len(rep.HIS) != engines*2*len(opt.Concurrency) {
		t.Fatalf("%d HIS figures, want %d", len(rep.HIS), engines*2*len(opt.Concurrency))
	}
	for _, f := range rep.HIS {
		if f.Count == 0 || f.Errors != 0 || f.PerSecond <= 0 || f.Settle.P50 <= 0 {
			t.Errorf("%s %s c=%d: %d settlements, %d errors, %.0f/s, p50 %.2f ms", f.Engine, f.Phase, f.Concurrency,
				f.Count, f.Errors, f.PerSecond, f.Settle.P50)
		}
		if (f.Phase == "visit") != (f.Visit != nil) {
			t.Errorf("%s %s: visit latencies %v", f.Engine, f.Phase, f.Visit)
		}
	}
	if rep.Loop == nil || rep.Loop.PerSecond <= 0 || rep.Engine == nil || rep.Engine.PerSecond <= 0 {
		t.Errorf("loop %+v engine %+v", rep.Loop, rep.Engine)
	}
	if opt.PG != "" && len(rep.PgBench) == 0 {
		t.Logf("pgbench: %s", rep.PgNote) // a missing pgbench binary is reported, not a failure
	}
	var txt, md, js bytes.Buffer
	rep.Text(&txt)
	rep.Markdown(&md)
	if err := rep.JSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": txt.String(), "markdown": md.String(), "json": js.String()} {
		if !strings.Contains(out, "sqlite") {
			t.Errorf("%s report lacks the SQLite figures:\n%s", name, out)
		}
	}
	path := t.TempDir() + "/r.json"
	if err := os.WriteFile(path, js.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var md2 bytes.Buffer
	again.Markdown(&md2)
	if md2.String() != md.String() {
		t.Errorf("markdown of the saved report differs:\n%s\n---\n%s", md2.String(), md.String())
	}
	t.Logf("\n%s", txt.String())
}

// TestBackendTitle: the database is found in PostgreSQL's process titles
// with and without a cluster name, and not in other processes' titles.
func TestBackendTitle(t *testing.T) {
	for _, c := range []struct {
		title string
		want  bool
	}{
		{"postgres: 15/main: postgres ncms_bench 127.0.0.1(5432) idle", true},
		{"postgres: postgres ncms_bench 127.0.0.1(5432) idle in transaction", true},
		{"postgres: 15/main: postgres ncms_bench_other 127.0.0.1(5432) idle", false},
		{"postgres: 15/main: checkpointer", false},
		{"postgres: 15/main: postgres test 127.0.0.1(5432) idle", false},
		{"/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", false},
	} {
		if got := titleNames(c.title, "ncms_bench"); got != c.want {
			t.Errorf("titleNames(%q) = %v, want %v", c.title, got, c.want)
		}
	}
}
