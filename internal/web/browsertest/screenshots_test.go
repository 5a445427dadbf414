package browsertest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"ncms/internal/db/dbtest"
)

// TestScreenshots saves the screenshots of the README and docs/screenshots
// (1366×768 PNGs of what the window shows) from a demo county of 5,000
// people: the director's dashboard, a person's file, a settlement slip and
// a public notice. Skipped unless NCMS_SCREENSHOTS names the directory:
//
//	NCMS_SCREENSHOTS=$PWD/docs/screenshots go test ./internal/web/browsertest -run TestScreenshots
//
// Chromium needs a Chinese font (`apt-get install -y fonts-wqy-microhei`),
// or the pages are drawn in empty boxes.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("NCMS_SCREENSHOTS")
	if dir == "" {
		t.Skip("set NCMS_SCREENSHOTS=DIR to save the documentation's screenshots")
	}
	if out, err := exec.Command("fc-list", ":lang=zh").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("no Chinese font (fc-list :lang=zh: %v): apt-get install -y fonts-wqy-microhei", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dc := newDemoCounty(t, dbtest.SQLite(t), 0.1)
	shot := func(name string) {
		t.Helper()
		img, err := chromedp.Run(dc.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".png")
		if err := os.WriteFile(file, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d KB", file, len(img)/1024)
	}
	dc.Do(t, chromedp.EmulateViewport(1366, 768))

	dc.as(t, "director")
	dc.Do(t, chromedp.Navigate(dc.URL+"/"), chromedp.WaitVisible(css("figure.dash .chart svg")))
	shot("dashboard")

	var person int64
	dc.one(t, `SELECT s.person_id FROM settlements s JOIN persons p ON p.id = s.person_id AND p.status = 'active'
		GROUP BY s.person_id ORDER BY COUNT(*) DESC, s.person_id LIMIT 1`, nil, &person)
	dc.Do(t, chromedp.Navigate(dc.URL+"/persons/"+itoa(person)+"/file"), chromedp.WaitVisible(css("#person-settlements")))
	shot("person")

	dc.desk(t) // ends on the slip
	if _, err := chromedp.Run(dc.Ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`)); err != nil {
		t.Fatal(err)
	}
	shot("slip")

	dc.notice(t) // ends on the public notice, logged out
	shot("notice")
}
