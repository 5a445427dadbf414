package browsertest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"ncms/internal/auth"
	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/institution"
	"ncms/internal/server"
)

// TestDashboardCharts opens the director's dashboard on a small demo
// county and checks that ECharts (served from the binary: the browser has
// no network) draws every chart whose table has numbers. A screenshot is
// saved to $TMPDIR/ncms-dashboard.png. SQLite only.
func TestDashboardCharts(t *testing.T) {
	bin := Chromium(t)
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	d := dbtest.SQLite(t)
	key, _ := institution.NewKey(make([]byte, 32))
	res, err := demo.Run(context.Background(), d, demo.Options{Seed: 2, Size: 0.02, OutpatientShare: 0.2, Key: key,
		BcryptCost: bcrypt.MinCost, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{DB: d}
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
	for _, l := range res.Logins {
		if l.Username == "director" {
			e.Login(t, l.Username, l.Password)
		}
	}
	e.Do(t, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(e.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("figure.dash .chart svg")))
	want, err := chromedp.Run(e.Ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("figure.dash[data-chart]")].filter(f => f.querySelector("td[data-v]")).length`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(e.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.dash .chart svg").length`))
	if err != nil {
		t.Fatal(err)
	}
	if want < 6 || got != want {
		t.Errorf("%d charts drawn, %d figures with numbers", got, want)
	}
	if img, err := chromedp.Run(e.Ctx, chromedp.FullScreenshot(100)); err == nil { // 100: PNG
		p := filepath.Join(os.TempDir(), "ncms-dashboard.png")
		_ = os.WriteFile(p, img, 0o644)
		t.Logf("screenshot: %s", p)
	}
}
