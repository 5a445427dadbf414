// Package crashtest kills `ncms serve` with SIGKILL while HIS clients settle
// through it, restarts it, and checks the database afterwards: every
// acknowledged settlement is there exactly once, a retried message never
// settled twice, year-to-date totals are the sums of the settlements, and
// the ledger balances (issue 8 item 2; docs/operations.md "Crash safety").
//
// The test builds the real binary, creates the sandbox county with
// `ncms sandbox`, and runs it on SQLite and on PostgreSQL. The normal run is
// bounded (NCMS_CRASH_KILLS=3 kills over NCMS_CRASH_SECONDS=12 s per engine);
// set both higher for a longer run, and NCMS_CRASH_SEED to repeat one.
package crashtest

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"ncms/internal/db/dbtest"
	"ncms/internal/his"
)

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// config of one run.
type config struct {
	kills   int
	seconds int
	workers int
	seed    uint64
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	cfg := config{kills: envInt(t, "NCMS_CRASH_KILLS", 3), seconds: envInt(t, "NCMS_CRASH_SECONDS", 12),
		workers: envInt(t, "NCMS_CRASH_WORKERS", 6), seed: uint64(envInt(t, "NCMS_CRASH_SEED", int(time.Now().UnixNano()%1e9)))}
	t.Logf("kills %d over %d s, %d workers, seed %d (NCMS_CRASH_SEED=%d repeats the kill schedule)", cfg.kills, cfg.seconds, cfg.workers, cfg.seed, cfg.seed)
	bin := binary(t, t.TempDir())
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, dbtest.SQLiteDSN(t), cfg) })
	t.Run("postgres", func(t *testing.T) { crashRun(t, bin, dbtest.PostgresDSN(t), cfg) })
}

// crashRun creates the sandbox on dsn, runs the clients and the killer,
// and checks the database.
func crashRun(t *testing.T, bin, dsn string, cfg config) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.seconds)*time.Second+4*time.Minute)
	defer cancel()
	env := append(os.Environ(), "NCMS_SECRET_KEY_FILE="+filepath.Join(dir, "secret.key"), "NCMS_OUTBOX_EVERY=1s")
	sandbox := filepath.Join(dir, "sandbox.json")
	if out, err := run(ctx, bin, env, "sandbox", "--db", dsn, "--out", sandbox,
		"--scheme", filepath.Join(repoRoot(t), "schemes", "chongqing-2013.yaml")); err != nil {
		t.Fatalf("ncms sandbox: %v\n%s", err, out)
	}
	var facts his.SandboxFile
	b, err := os.ReadFile(sandbox)
	if err == nil {
		err = json.Unmarshal(b, &facts)
	}
	if err != nil {
		t.Fatal(err)
	}

	srv := &server{bin: bin, dsn: dsn, addr: freeAddr(t), env: env, logPath: filepath.Join(dir, "serve.log")}
	if err := srv.start(ctx); err != nil {
		t.Fatalf("%v\n%s", err, srv.logTail(4000))
	}
	defer srv.kill()

	book := &ledgerBook{acks: map[int64]ack{}, inDoubt: map[string]doubt{}}
	var n counters
	stop := make(chan struct{})
	errc := make(chan error, cfg.workers)
	var wg sync.WaitGroup
	day := time.Now().In(his.China).Format("2006-01-02")
	// One client per institution, shared: its msgid sequence must be one.
	township, county := client(srv.addr, facts, "1"), client(srv.addr, facts, "2")
	for i := 0; i < cfg.workers; i++ {
		w := &worker{id: i, rng: rand.New(rand.NewPCG(cfg.seed, uint64(i))), persons: facts.Persons, book: book, n: &n, day: day,
			township: township, county: county}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.run(ctx, stop); err != nil {
				errc <- err
			}
		}()
	}

	// The killer: cfg.kills SIGKILLs at random moments, each followed by a
	// restart on the same address and database.
	rng := rand.New(rand.NewPCG(cfg.seed, 1<<40))
	period := time.Duration(cfg.seconds) * time.Second / time.Duration(cfg.kills+1)
	begin := time.Now()
	var downtime time.Duration
	for k := 0; k < cfg.kills; k++ {
		select {
		case err := <-errc:
			close(stop)
			wg.Wait()
			t.Fatalf("%v\n--- server log tail:\n%s", err, srv.logTail(4000))
		case <-time.After(period/2 + time.Duration(rng.Int64N(int64(period)))):
		}
		srv.kill()
		t0 := time.Now()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		if err := srv.start(ctx); err != nil {
			close(stop)
			t.Fatalf("restart after kill %d: %v\n%s", k+1, err, srv.logTail(4000))
		}
		downtime += time.Since(t0)
	}
	if rest := time.Until(begin.Add(time.Duration(cfg.seconds) * time.Second)); rest > 0 {
		time.Sleep(rest)
	}
	close(stop)
	wg.Wait() // every visit under way is finished: every message answered
	close(errc)
	for err := range errc {
		t.Errorf("%v", err)
	}
	srv.kill() // a last crash, then the checks read what recovery leaves
	elapsed := time.Since(begin)
	t.Logf("%s: %d visits, %d settled, %d reversed, %d settled again, %d answered messages sent again; "+
		"%d first attempts with a 1–30 ms timeout; %d kills, down %.1f s in all; %d retries (%d transport errors or timeouts, %d HTTP 5xx); %.1f s",
		engineOf(dsn), n.visits.Load(), n.settled.Load(), n.reversed.Load(), n.resettled.Load(), n.duplicates.Load(),
		n.impatient.Load(), cfg.kills, downtime.Seconds(), n.retries.Load(), n.transportErrors.Load(), n.serverErrors.Load(), elapsed.Seconds())
	if t.Failed() {
		t.Logf("--- server log tail:\n%s", srv.logTail(4000))
		return
	}
	if n.settled.Load() == 0 {
		t.Fatalf("nothing was settled\n%s", srv.logTail(4000))
	}
	for _, p := range book.problems {
		t.Error(p)
	}
	check(t, dsn, book)
	if srv.raced() {
		t.Errorf("the race detector reported a data race in ncms serve: see %s", srv.logPath)
	}
}

func engineOf(dsn string) string {
	if len(dsn) > 7 && dsn[:7] == "sqlite:" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// client returns a HIS client of the sandbox institution at scheme level
// lv ("1" township, "2" county hospital).
func client(addr string, f his.SandboxFile, lv string) *his.Client {
	for _, in := range f.Institutions {
		if strconv.Itoa(in.SchemeLevel) == lv {
			return &his.Client{BaseURL: "http://" + addr, Code: in.FixmedinsCode, Name: in.FixmedinsName, Area: f.MdtrtareaAdmvs,
				PaasID: in.PaasID, Secret: in.Secret, HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
		}
	}
	panic("crashtest: no sandbox institution at level " + lv)
}
