// Package browsertest drives the ncms console in Debian's Chromium through
// chromedp, end to end: a fresh initialized database (SQLite and
// PostgreSQL), the whole app served with real HTTP on 127.0.0.1, and a
// headless browser with a fresh profile.
//
//	browsertest.Each(t, func(t *testing.T, e *browsertest.Env) {
//		e.Login(t, "admin", e.AdminPassword)
//		e.Do(t, chromedp.Navigate(e.URL+"/persons"), chromedp.WaitVisible(chromedp.CSS("#q")))
//		if got := e.Text(t, "main h1"); ...
//	})
//
// When Chromium is not installed the tests are skipped with the command that
// installs it — unless CI=true or NCMS_TEST_BROWSER_REQUIRED=1, when they
// fail: CI never silently skips a suite. NCMS_CHROMIUM names another binary.
// Keep browser tests few and fast: one flow per test, the detail in handler
// tests.
package browsertest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/server"
	"ncms/internal/setup"
)

// Env is one running console and one browser tab.
type Env struct {
	URL           string          // http://127.0.0.1:PORT
	DB            *db.DB          // the database behind it
	App           *server.App     // services and route tables
	AdminPassword string          // password of "admin"
	County        int64           // id of the county root area
	Ctx           context.Context // the browser tab (for chromedp.Run / chromedp.Do)
}

// required reports whether a missing Chromium must fail the run.
func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("NCMS_TEST_BROWSER_REQUIRED") == "1"
}

// Chromium returns the path of the browser, or skips (fails under CI) t.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("NCMS_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "browser suite skipped: Chromium not found; install it with `apt-get install -y chromium` (or set NCMS_CHROMIUM)"
	if required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Each runs body against a fresh console on SQLite and on PostgreSQL.
func Each(t *testing.T, body func(t *testing.T, e *Env)) {
	t.Helper()
	Chromium(t)
	t.Run("sqlite", func(t *testing.T) { body(t, New(t, dbtest.SQLite(t))) })
	t.Run("postgres", func(t *testing.T) { body(t, New(t, dbtest.Postgres(t))) })
}

// AdminPassword is the password New gives the administrator "admin".
const AdminPassword = "admin-pass-1"

// New initializes d (county 盘县 520222, administrator "admin"), serves the
// app on a loopback port and opens a headless browser on it. Everything is
// stopped when t ends.
func New(t *testing.T, d *db.DB) *Env {
	t.Helper()
	Chromium(t)
	opts := auth.Options{BcryptCost: bcrypt.MinCost}
	ctx := context.Background()
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县",
		AdminPassword: AdminPassword, Auth: opts}); err != nil {
		t.Fatalf("browsertest: initialize: %v", err)
	}
	e := Serve(t, d)
	e.AdminPassword = AdminPassword
	return e
}

// Serve serves the app over an initialized database d (a county built by
// other means: the HIS sandbox, the demo) on a loopback port and opens a
// headless browser on it. Everything is stopped when t ends; when t has
// failed by then, a screenshot of the page is saved first (Screenshot).
func Serve(t *testing.T, d *db.DB) *Env {
	t.Helper()
	bin := Chromium(t)
	e := &Env{DB: d}
	if err := d.QueryRowContext(context.Background(), `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&e.County); err != nil {
		t.Fatal(err)
	}
	e.App = server.New(d, slog.New(slog.DiscardHandler), server.Options{Auth: auth.Options{BcryptCost: bcrypt.MinCost}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e.App.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	e.URL = "http://" + ln.Addr().String()
	e.Ctx = newBrowser(t, bin)
	t.Cleanup(func() { // runs before the browser is closed (cleanups run last first)
		if t.Failed() {
			e.Screenshot(t, "failed")
		}
	})
	return e
}

// Screenshot saves a PNG of the whole page to $NCMS_SCREENSHOT_DIR (default
// $TMPDIR/ncms-screenshots) as TESTNAME-name.png and logs its path.
func (e *Env) Screenshot(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.Ctx, 10*time.Second)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("NCMS_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ncms-screenshots")
	}
	file := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(file, img, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// its first tab.
func newBrowser(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless, no first run, no background networking
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.DisableGPU,
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser now, so that a broken installation fails here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", bin, err)
	}
	return ctx
}

// Timeout bounds one Run.
const Timeout = 30 * time.Second

// Do runs browser steps with a timeout, failing t on error.
func (e *Env) Do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.Ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(e.Ctx, chromedp.Location())
		e.Screenshot(t, "failed")
		t.Fatalf("browser (at %s): %v", loc, err)
	}
}

// Text waits for the first element matching the CSS selector and returns
// its visible text.
func (e *Env) Text(t *testing.T, css string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.Ctx, Timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	// A page whose scripts replace nodes while they are read (the dashboard
	// draws its charts after load) answers "No node with given id found":
	// read again, within the same timeout.
	for i := 0; i < 5 && err != nil && strings.Contains(err.Error(), "No node with given id"); i++ {
		time.Sleep(100 * time.Millisecond)
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	}
	if err != nil {
		loc, _ := chromedp.Run(e.Ctx, chromedp.Location())
		e.Screenshot(t, "failed")
		t.Fatalf("browser text %s (at %s): %v", css, loc, err)
	}
	return s
}

// Login opens the login page, submits the credentials and waits for a
// logged-in page (one with the logout button).
func (e *Env) Login(t *testing.T, username, password string) {
	t.Helper()
	e.Do(t,
		chromedp.Navigate(e.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

// Logout presses the logout button and waits for the login page.
func (e *Env) Logout(t *testing.T) {
	t.Helper()
	e.Do(t,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
	)
}
