package browsertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// TestLayoutFitsLaptopAndPhone opens the key pages of a clerk's day on a
// small demo county at 1366×768 (the county offices' laptops) and 390×844
// (a phone) and checks that nothing makes the page wider than the screen
// (document.scrollingElement.scrollWidth <= innerWidth): wide tables must
// scroll inside themselves. On failure a screenshot is saved and its path
// logged, with the elements that stick out. SQLite only: layout does not
// depend on the database.
func TestLayoutFitsLaptopAndPhone(t *testing.T) {
	bin := Chromium(t)
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	d := dbtest.SQLite(t)
	key, err := institution.NewKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	res, err := demo.Run(context.Background(), d, demo.Options{Seed: 5, Size: 0.01, OutpatientShare: 0.3, Key: key,
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

	pw := map[string]string{}
	for _, l := range res.Logins {
		pw[l.Username] = l.Password
	}
	var person, setl, claim int64
	if err := d.QueryRowContext(context.Background(), `SELECT person_id, id FROM settlements ORDER BY id DESC LIMIT 1`).
		Scan(&person, &setl); err != nil {
		t.Fatal(err)
	}
	_ = d.QueryRowContext(context.Background(), `SELECT id FROM claims ORDER BY id DESC LIMIT 1`).Scan(&claim)
	pages := []struct {
		user  string
		paths []string
	}{
		{"clerk", []string{"/", fmt.Sprintf("/persons/%d/file", person), "/search?q=" + "1", "/persons?all=1", "/enroll"}},
		{"reviewer", []string{"/", "/claims?stage=all", fmt.Sprintf("/claims/%d", claim)}},
		{"desk", []string{"/", "/desk", "/desk/day", fmt.Sprintf("/desk/persons/%d", person)}},
		{"director", []string{"/", fmt.Sprintf("/persons/%d/file", person), "/statements", "/supervision"}},
	}
	shots := filepath.Join(os.TempDir(), "ncms-layout")
	for _, pg := range pages {
		if pw[pg.user] == "" {
			t.Fatalf("the demo has no login %q", pg.user)
		}
		e.Do(t, chromedp.EmulateViewport(1366, 768))
		e.Login(t, pg.user, pw[pg.user])
		for _, size := range [][2]int64{{1366, 768}, {390, 844}} {
			opts := []chromedp.EmulateViewportOption{}
			if size[0] < 500 {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
			}
			e.Do(t, chromedp.EmulateViewport(size[0], size[1], opts...))
			for _, p := range pg.paths {
				e.Do(t, chromedp.Navigate(e.URL+p), chromedp.WaitReady(chromedp.CSS("footer")))
				fits, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth <= window.innerWidth`))
				if err != nil {
					t.Fatalf("%s %s: %v", pg.user, p, err)
				}
				if fits {
					continue
				}
				wide, _ := chromedp.Run(e.Ctx, chromedp.Evaluate[string](overflowing))
				name := fmt.Sprintf("%s-%dx%d-%s.png", pg.user, size[0], size[1], strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(p))
				if img, err := chromedp.Run(e.Ctx, chromedp.FullScreenshot(80)); err == nil {
					_ = os.MkdirAll(shots, 0o755)
					_ = os.WriteFile(filepath.Join(shots, name), img, 0o644)
				}
				t.Errorf("%s %s at %dx%d: the page is wider than the screen; screenshot %s; sticking out: %s",
					pg.user, p, size[0], size[1], filepath.Join(shots, name), wide)
			}
		}
		e.Do(t, chromedp.EmulateViewport(1366, 768))
		e.Logout(t)
	}
}

// overflowing lists (up to 8) elements whose right edge is past the
// window, innermost first, as tag#id.class (width).
const overflowing = `(() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " (" + Math.round(r.width) + "px)");
      if (out.length >= 8) break;
    }
  }
  return out.join(", ");
})()`
