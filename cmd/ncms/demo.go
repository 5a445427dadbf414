package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"ncms/internal/demo"
	"ncms/internal/institution"
)

// runDemo builds the demonstration county on a fresh database and serves
// the console (docs/demo.md).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, _ := newFlags("demo", stderr)
	fs.Lookup("db").DefValue = "a new temporary directory"
	dsnFlag := fs.Lookup("db")
	_ = dsnFlag.Value.Set("")
	seed := fs.Uint64("seed", 1, "random seed: the same seed builds the same county and totals")
	size := fs.Float64("size", 1, "county size: 1 ≈ 50,000 enrollees, 0.1 ≈ 5,000")
	share := fs.Float64("outpatient", demo.DefaultOutpatientShare, "share of the calibrated outpatient visits settled (1 = all; slower)")
	workers := fs.Int("workers", 4, "concurrent settlement workers")
	addr := fs.String("addr", envOr("NCMS_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env NCMS_ADDR)")
	noServe := fs.Bool("no-serve", false, "build the county and exit without serving")
	asJSON := fs.Bool("json", false, "print the result (logins included) as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dsn := dsnFlag.Value.String()
	if dsn == "" {
		dir, err := os.MkdirTemp("", "ncms-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "ncms demo: %v\n", err)
			return 1
		}
		dsn = "sqlite:" + filepath.Join(dir, "ncms.db")
	}
	d, ok := openDB(ctx, dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	key, err := institution.LoadKeyFor(d)
	if err != nil {
		fmt.Fprintf(stderr, "ncms demo: %v\n", err)
		return 1
	}
	var ln net.Listener
	if !*noServe { // take the port first: fail before a minute of work, not after
		if ln, err = net.Listen("tcp", *addr); err != nil {
			fmt.Fprintf(stderr, "ncms demo: %v (use --addr HOST:PORT) / 端口被占用\n", err)
			return 1
		}
		defer ln.Close()
	}
	progress := stdout
	if *asJSON {
		progress = stderr
	}
	fmt.Fprintf(progress, "ncms demo: building a county (seed %d, size %g) in %s / 正在生成演示县\n", *seed, *size, d.Redacted())
	months := &demoMonths{}
	bctx, stopBuild := context.WithCancel(ctx) // the build stops with the server
	defer stopBuild()
	bd, err := demo.Start(bctx, d, demo.Options{Seed: *seed, Size: *size, OutpatientShare: *share, Workers: *workers,
		Key: key, Progress: progress, Settled: months.set})
	if errors.Is(err, demo.ErrNotEmpty) {
		fmt.Fprintln(stderr, "ncms demo: the database is already initialized; the demo needs a fresh one (leave out --db for a new one). Nothing changed. / 数据库已初始化，演示需要新数据库")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms demo: %v\n", err)
		return 1
	}
	if ln == nil { // --no-serve: build everything, print, exit
		res, err := bd.Finish()
		if err != nil {
			fmt.Fprintf(stderr, "ncms demo: %v\n", err)
			return 1
		}
		printDemoResult(stdout, res, d.Redacted(), "", *asJSON)
		return 0
	}
	// Serve now, while the year is settled in the background through the
	// same services; every page shows how far it has got.
	url := "http://" + ln.Addr().String()
	printReady(progress, bd.Ready(), d.Redacted(), url)
	log := newLogger(stderr)
	srv := &http.Server{Handler: newHandler(d, log, months.banner), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := bd.Finish()
		switch {
		case err != nil && bctx.Err() != nil: // stopped (Ctrl-C): the server is shutting down
		case err != nil:
			months.fail()
			fmt.Fprintf(stderr, "ncms demo: %v\n  the console stays up with the county built so far / 演示县生成中断，控制台继续运行\n", err)
		default:
			months.complete()
			printDemoResult(stdout, res, d.Redacted(), url, *asJSON)
		}
	}()
	code := serveUntilDone(ctx, srv, ln, log)
	stopBuild()
	<-done // the builder stops at its next step; then the database closes
	return code
}

// demoMonths is how far the background build has settled the year, for
// the banner on every console page.
type demoMonths struct {
	month  atomic.Int32 // last month whose visits are settled (0: none yet)
	failed atomic.Bool
	done   atomic.Bool // the county is complete: no banner
}

func (m *demoMonths) set(month time.Month) {
	m.month.Store(int32(month))
	if demoSettledHook != nil {
		demoSettledHook(month)
	}
}

// demoSettledHook, when set (tests only), is called on the building
// goroutine after each month's visits are settled; it may hold the build.
var demoSettledHook func(time.Month)

func (m *demoMonths) fail() { m.failed.Store(true) }

func (m *demoMonths) complete() { m.done.Store(true) }

// banner is the text every console page shows while the county is built.
func (m *demoMonths) banner() string {
	if m.done.Load() {
		return ""
	}
	if m.failed.Load() {
		return "演示县生成中断，数据不完整（见终端） / building the demo county stopped: the data are incomplete (see the terminal)"
	}
	n := m.month.Load()
	if n == 0 {
		return "演示县正在生成：正在结算 1 月的就诊 / building the demo county: settling January's visits"
	}
	return fmt.Sprintf("演示县正在生成：已结算至 %d 月 / building the demo county: visits settled through month %d", n, n)
}

// printReady prints the URL and the logins as soon as the console serves.
func printReady(w io.Writer, r *demo.Result, db, url string) {
	fmt.Fprintf(w, "\n%s (%s): %d households, %d people, %d enrolled; console ready after %.1f s\n", r.CountyName, r.CountyCode,
		r.Households, r.Persons, r.Enrollees, r.Elapsed.Seconds())
	fmt.Fprintf(w, "  database: %s\n", db)
	fmt.Fprintf(w, "\n  Open %s and log in / 打开浏览器登录:\n", url)
	printLogins(w, r)
	fmt.Fprintf(w, "\n  The year's visits and month-ends are still being settled in the background: every page shows how\n"+
		"  far, and this terminal says when the county is complete. / 全年就诊与月末结算仍在后台进行，页面顶部显示进度，完成时终端会提示。\n\n")
}

// printDemoResult prints the finished county (as JSON with --json).
func printDemoResult(w io.Writer, res *demo.Result, db, url string, asJSON bool) {
	if !asJSON {
		printDemo(w, res, db, url)
		return
	}
	b, _ := json.MarshalIndent(struct {
		*demo.Result
		DB  string `json:"db"`
		URL string `json:"url,omitempty"`
	}{res, db, url}, "", "  ")
	fmt.Fprintln(w, string(b))
}

// printDemo prints what was built, the URL and the logins (once).
func printDemo(w io.Writer, r *demo.Result, db, url string) {
	fmt.Fprintf(w, "\n%s (%s), year %d, as of %s — built in %.1f s\n", r.CountyName, r.CountyCode, r.Year, r.Today, r.Elapsed.Seconds())
	fmt.Fprintf(w, "  %d townships, %d villages, %d households, %d people; %d enrolled (%.1f%%) in %d households\n",
		r.Townships, r.Villages, r.Households, r.Persons, r.Enrollees, 100*float64(r.Enrollees)/float64(max(r.Persons, 1)), r.EnrolledHH)
	var lv []string
	for _, l := range []string{"village", "township", "county", "city", "province"} {
		lv = append(lv, fmt.Sprintf("%s %d", l, r.Institutions[l]))
	}
	fmt.Fprintf(w, "  institutions: %s\n", strings.Join(lv, ", "))
	fmt.Fprintf(w, "  %d visits settled (%d refused by the service), %d manual claims, %d monthly statements approved, %d notices published\n",
		r.Visits, r.Refused, r.Claims, r.Statements, r.Notices)
	fmt.Fprintf(w, "  planted for the screening rules: ")
	for i, p := range r.Planted {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s (%s)", p.Pattern, p.Institution)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  database: %s\n", db)
	if url != "" { // served since the enrollment: the logins were printed then
		fmt.Fprintf(w, "\n  The county is complete / 演示县生成完毕: %s (logins above / 登录账号见上)\n", url)
		return
	}
	fmt.Fprintf(w, "\n  Serve it with: ncms serve --db %s\n", db)
	printLogins(w, r)
}

// printLogins prints one login per role with its password (shown once).
func printLogins(w io.Writer, r *demo.Result) {
	fmt.Fprintf(w, "  %-12s %-12s %-20s %s\n", "role", "username", "password", "scope")
	for _, l := range r.Logins {
		fmt.Fprintf(w, "  %-12s %-12s %-20s %s\n", l.Role, l.Username, l.Password, l.Scope)
	}
	fmt.Fprintln(w, "  (passwords are shown only now / 密码仅显示一次)")
}
