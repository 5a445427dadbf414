package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// testPG is the PostgreSQL server of the tests ($NCMS_TEST_PG, else
// dbtest.DefaultPG), or "" when it does not answer (a failure under CI).
func testPG(t *testing.T) string {
	pg := os.Getenv("NCMS_TEST_PG")
	if pg == "" {
		pg = dbtest.DefaultPG
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := db.OpenNoMigrate(ctx, pg)
	if err == nil {
		err = d.SQL().PingContext(ctx)
		d.Close()
	}
	if err != nil {
		if dbtest.Required() {
			t.Fatalf("PostgreSQL required: %v", err)
		}
		t.Logf("PostgreSQL part skipped (%v); start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", err)
		return ""
	}
	return pg
}

// TestImportAndReportSections runs the import and report sections on a
// small county (SQLite, and PostgreSQL when the test server answers):
// every person of the roster must be imported in each run, everyone
// enrolled, one settlement written per enrollee, the summary table must
// count them all, every table must come back with rows, and every section
// must report its peak memory. Timing is not asserted.
func TestImportAndReportSections(t *testing.T) {
	const size = 1500
	opt := Options{SQLite: true, PG: testPG(t), Only: []string{"import", "report"}, Size: size, Runs: 2,
		SchemeDir: "../../schemes", TempDir: t.TempDir(), Command: "ncms bench --only=import,report --size 1500 --runs 2"}
	if testing.Verbose() {
		opt.Log = os.Stderr
	}
	rep, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	engines := []string{"sqlite"}
	if opt.PG != "" {
		engines = append(engines, "postgres")
	}
	if rep.Engine != nil || len(rep.HIS) != 0 || rep.Loop != nil || len(rep.PgBench) != 0 {
		t.Errorf("sections not asked for ran: engine %v, %d HIS figures, loop %v, pgbench %v", rep.Engine, len(rep.HIS), rep.Loop, rep.PgBench)
	}
	if len(rep.Import) != len(engines) || len(rep.Reports) != len(engines) {
		t.Fatalf("%d import and %d report figures, want %d each", len(rep.Import), len(rep.Reports), len(engines))
	}
	for i, f := range rep.Import {
		if f.Engine != engines[i] || f.Persons != size || f.Households <= 0 || f.Households > size || len(f.RunsS) != 2 || f.Seconds <= 0 {
			t.Errorf("import %+v", f)
		}
		if f.Households != rep.Import[0].Households {
			t.Errorf("%s imported %d households, %s %d: the same roster", f.Engine, f.Households, rep.Import[0].Engine, rep.Import[0].Households)
		}
		if !strings.HasPrefix(f.Verdict, "not judged") {
			t.Errorf("import at size %d judged: %q", size, f.Verdict)
		}
	}
	for i, f := range rep.Reports {
		if f.Engine != engines[i] {
			t.Errorf("report %d on %s, want %s", i, f.Engine, engines[i])
		}
		if f.Enrollees != size || f.Settlements != size || f.Households != int64(rep.Import[i].Households) {
			t.Errorf("%s: %d enrollees in %d households, %d settlements; want %d, %d, %d", f.Engine, f.Enrollees, f.Households,
				f.Settlements, size, rep.Import[i].Households, size)
		}
		if f.Visits != size || f.SumEnrolled != size {
			t.Errorf("%s summary: %d visits, %d enrollees; want %d each", f.Engine, f.Visits, f.SumEnrolled, size)
		}
		// The clock is 31 December: that day's settlements stay live.
		if f.RolledUp <= 0 || f.RolledUp >= f.Settlements {
			t.Errorf("%s: %d of %d settlements rolled up", f.Engine, f.RolledUp, f.Settlements)
		}
		if len(f.Tables) != len(reportQueries) {
			t.Fatalf("%s: %d tables", f.Engine, len(f.Tables))
		}
		for _, tb := range f.Tables {
			if tb.Rows == 0 || len(tb.RunsS) != 2 || tb.Seconds <= 0 || !strings.HasPrefix(tb.Verdict, "not judged") {
				t.Errorf("%s %s: %+v", f.Engine, tb.Name, tb)
			}
		}
		if f.Tables[3].Rows != 12 {
			t.Errorf("%s monthly table: %d rows, want 12", f.Engine, f.Tables[3].Rows)
		}
	}
	sections := map[string]int{}
	for _, m := range rep.Memory {
		sections[m.Section+"/"+m.Engine]++
		if m.RSSPeakMB <= 0 || m.HeapPeakMB <= 0 || m.Load == "" {
			t.Errorf("memory %+v", m)
		}
	}
	for _, e := range engines {
		for _, s := range []string{"import", "report county build", "report"} {
			if sections[s+"/"+e] != 1 {
				t.Errorf("memory of %s on %s reported %d times", s, e, sections[s+"/"+e])
			}
		}
	}
	if got := rep.Targets(); len(got) != 2*len(engines) {
		t.Errorf("targets %+v", got)
	}
	var md, txt, js bytes.Buffer
	rep.Markdown(&md)
	rep.Text(&txt)
	if err := rep.JSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| section | engine | target | result | verdict |", "| sqlite | summary |", "peak RSS MB", "Sections: import, report"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "| engine | phase |") {
		t.Errorf("markdown has an (empty) HIS table:\n%s", md.String())
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Reports) != len(engines) || back.Reports[0].Tables[0].Rows == 0 {
		t.Errorf("JSON round trip: %v %+v", err, back.Reports)
	}
	t.Logf("\n%s", txt.String())
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		size       int
		took, want string
		target     time.Duration
	}{
		{TargetSize, "29.9s", Pass, ImportTarget},
		{TargetSize, "30s", Pass, ImportTarget},
		{TargetSize, "30.1s", Miss, ImportTarget},
		{TargetSize, "3.2s", Miss, ReportTarget},
		{500, "1s", "not judged", ImportTarget},
		{2 * TargetSize, "1s", "not judged", ImportTarget},
	} {
		took, _ := time.ParseDuration(c.took)
		if got := verdict(c.size, took, c.target); !strings.HasPrefix(got, c.want) {
			t.Errorf("verdict(%d, %s, %s) = %q, want %s", c.size, c.took, c.target, got, c.want)
		}
	}
}

// TestHISTargets judges the HIS figures: SQLite needs one concurrency with
// ≥ 1,000 2207/s and p99 ≤ 20 ms; PostgreSQL 50 % of pgbench at one
// client count.
func TestHISTargets(t *testing.T) {
	fig := func(engine string, c int, rate, p99 float64) HISFigure {
		return HISFigure{Engine: engine, Phase: "settle", Concurrency: c, PerSecond: rate, Settle: Lat{P99: p99}}
	}
	for _, c := range []struct {
		name string
		his  []HISFigure
		pgb  []PgBenchRow
		want map[string]string // engine → verdict
	}{
		{"fast but slow tail", []HISFigure{fig("sqlite", 1, 800, 10), fig("sqlite", 4, 1200, 25)}, nil, map[string]string{"sqlite": Miss}},
		{"fast and tight", []HISFigure{fig("sqlite", 1, 800, 10), fig("sqlite", 4, 1200, 19)}, nil, map[string]string{"sqlite": Pass}},
		{"pg half of pgbench at one count", []HISFigure{fig("postgres", 1, 100, 5), fig("postgres", 4, 600, 9)},
			[]PgBenchRow{{Clients: 1, TPS: 1000}, {Clients: 4, TPS: 1200}}, map[string]string{"postgres": Pass}},
		{"pg below half", []HISFigure{fig("postgres", 1, 100, 5), fig("postgres", 4, 500, 9)},
			[]PgBenchRow{{Clients: 1, TPS: 1000}, {Clients: 4, TPS: 1200}}, map[string]string{"postgres": Miss}},
		{"pg without pgbench", []HISFigure{fig("postgres", 1, 100, 5)}, nil, map[string]string{}},
	} {
		r := &Report{HIS: c.his, PgBench: c.pgb}
		got := map[string]string{}
		for _, row := range r.Targets() {
			got[row.Engine] = row.Verdict
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: targets %v, want %v", c.name, got, c.want)
		}
		for e, v := range c.want {
			if got[e] != v {
				t.Errorf("%s: %s %q, want %q", c.name, e, got[e], v)
			}
		}
	}
}

func TestSectionsSelection(t *testing.T) {
	if err := CheckSections([]string{"import", "report", "his"}); err != nil {
		t.Error(err)
	}
	if err := CheckSections([]string{"imports"}); err == nil || !strings.Contains(err.Error(), "imports") {
		t.Errorf("unknown section: %v", err)
	}
	o := Options{NoLoop: true}
	for s, want := range map[string]bool{"engine": true, "loop": false, "import": true} {
		if o.on(s) != want {
			t.Errorf("no --only, --no-loop: %s on = %v", s, !want)
		}
	}
	o = Options{Skip: []string{"postgres:report"}}
	if o.onFor("postgres", "report") || !o.onFor("sqlite", "report") || !o.onFor("postgres", "import") {
		t.Errorf("--skip=postgres:report: postgres report %v, sqlite report %v, postgres import %v", o.onFor("postgres", "report"),
			o.onFor("sqlite", "report"), o.onFor("postgres", "import"))
	}
	if err := CheckSkip([]string{"postgres:report", "sqlite:his"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"pg:report", "postgres", "sqlite:reports"} {
		if err := CheckSkip([]string{bad}); err == nil {
			t.Errorf("--skip=%s accepted", bad)
		}
	}
	o = Options{Only: []string{"report"}}
	for s, want := range map[string]bool{"engine": false, "his": false, "report": true, "import": false} {
		if o.on(s) != want {
			t.Errorf("--only=report: %s on = %v", s, !want)
		}
	}
}
