package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/auth"
	"ncms/internal/dashboard"
	"ncms/internal/db"
	"ncms/internal/demo"
	"ncms/internal/httpx"
)

// TestPageTiming measures the server time of every console GET page, as
// every demo user, on a demo county built beforehand by `ncms demo`
// (docs/performance.md "Console pages on the demo county"). It runs only
// when NCMS_PAGE_TIMING names the county's database:
//
//	ncms demo --db sqlite:/tmp/demo.db --no-serve --json > /tmp/demo.json
//	NCMS_PAGE_TIMING=sqlite:/tmp/demo.db NCMS_PAGE_TIMING_LOGINS=/tmp/demo.json \
//	  go test ./internal/web -run TestPageTiming -v -timeout 30m
//
// NCMS_PAGE_TIMING_LOGINS is the JSON `ncms demo --json` printed (the
// logins); NCMS_PAGE_TIMING_N the requests per page (default 5, after one
// warm-up); NCMS_PAGE_TIMING_OUT a file for the markdown table. Each page
// is served in-process (no network): the time is the handler's, from the
// request to the last byte written. The dashboard's figure cache is
// defeated (its clock jumps past MaxAge before every request), so each
// request computes the figures. It logs the load average before and after
// and asserts nothing about time.
func TestPageTiming(t *testing.T) {
	dsn := os.Getenv("NCMS_PAGE_TIMING")
	if dsn == "" {
		t.Skip("set NCMS_PAGE_TIMING=DSN of a demo county (and NCMS_PAGE_TIMING_LOGINS=the JSON of `ncms demo --json`)")
	}
	raw, err := os.ReadFile(os.Getenv("NCMS_PAGE_TIMING_LOGINS"))
	if err != nil {
		t.Fatalf("NCMS_PAGE_TIMING_LOGINS: %v", err)
	}
	var res demo.Result
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Logins) == 0 {
		t.Fatalf("NCMS_PAGE_TIMING_LOGINS: no logins (%v)", err)
	}
	n := 5
	if v, err := strconv.Atoi(os.Getenv("NCMS_PAGE_TIMING_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })

	q := &qualityRun{d: d, res: &res, auth: auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})}
	q.con = New(Config{DB: d, Auth: q.auth})
	q.con.dash = dashboard.New(d, jumpingClock())
	h := httpx.Wrap(q.con, slog.New(slog.DiscardHandler))

	load0 := loadAvg()
	start := time.Now()
	var pages []timedPage
	for _, l := range res.Logins {
		token, pr, err := q.auth.Login(ctx, l.Username, l.Password, "127.0.0.1", "page-timing")
		if err != nil {
			t.Fatalf("login %s: %v", l.Username, err)
		}
		ids := q.idsFor(t, pr.Actor)
		var paths []string
		for _, rt := range q.con.Routes() {
			if rt.Method != http.MethodGet || rt.Public || strings.HasPrefix(rt.Pattern, "/static/") || !rt.Permits(pr.Actor) {
				continue
			}
			if path, ok := fillPattern(rt.Pattern, ids); ok {
				paths = append(paths, path)
			}
		}
		for _, e := range q.extras(ids) {
			if q.con.router.Allows(pr.Actor, http.MethodGet, e.pattern) {
				paths = append(paths, e.path)
			}
		}
		for _, path := range paths {
			p := timedPage{User: l.Username, Path: path}
			for i := 0; i <= n; i++ {
				el, cpu, status := serveOnce(h, token, path)
				p.Status = status
				if i > 0 { // the first is the warm-up
					p.Times, p.CPU = append(p.Times, el), append(p.CPU, cpu)
				}
			}
			slices.Sort(p.Times)
			slices.Sort(p.CPU)
			pages = append(pages, p)
		}
	}
	load1 := loadAvg()
	slices.SortFunc(pages, func(a, b timedPage) int { return int(b.Median() - a.Median()) })
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d page×user pairs, median of %d requests each (after a warm-up), %s; load average %s → %s\n\n",
		d.Dialect(), len(pages), n, time.Since(start).Round(time.Second), load0, load1)
	fmt.Fprintf(&b, "| page | user | status | median ms | min ms | max ms | CPU ms (median) |\n|---|---|---|---|---|---|---|\n")
	for i, p := range pages {
		if i >= 40 && p.Median() < 100*time.Millisecond {
			break
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s |\n", p.Path, p.User, p.Status, ms(p.Median()), ms(p.Times[0]),
			ms(p.Times[len(p.Times)-1]), ms(p.CPU[(len(p.CPU)-1)/2]))
	}
	over := 0
	for _, p := range pages {
		if p.Median() > 300*time.Millisecond {
			over++
		}
	}
	fmt.Fprintf(&b, "\n%d pages over 300 ms (median)\n", over)
	t.Log("\n" + b.String())
	if out := os.Getenv("NCMS_PAGE_TIMING_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// timedPage is one page opened by one user, with the times of its requests
// (sorted): wall time and this process's CPU time (user + system: the
// whole server's on SQLite; on PostgreSQL the database's work is in its
// own processes and not counted).
type timedPage struct {
	User, Path string
	Status     int
	Times, CPU []time.Duration
}

// Median is the middle time (the lower middle of an even count).
func (p timedPage) Median() time.Duration {
	if len(p.Times) == 0 {
		return 0
	}
	return p.Times[(len(p.Times)-1)/2]
}

// serveOnce serves one GET in-process and returns the handler's time, the
// process's CPU time meanwhile, and the status.
func serveOnce(h http.Handler, token, path string) (time.Duration, time.Duration, int) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "127.0.0.1:1"
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
	rec := httptest.NewRecorder()
	cpu0, start := cpuTime(), time.Now()
	h.ServeHTTP(rec, req)
	return time.Since(start), cpuTime() - cpu0, rec.Code
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// jumpingClock is a clock that is alternately now and 2×dashboard.MaxAge
// ago, so the dashboard's cached figures are never fresh (too old, or
// from the future) and every request computes them.
func jumpingClock() func() time.Time {
	var mu sync.Mutex
	back := false
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		back = !back
		if back {
			return time.Now().Add(-2 * dashboard.MaxAge)
		}
		return time.Now()
	}
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}
