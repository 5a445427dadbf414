package browsertest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/idcard"
	"ncms/internal/institution"
	"ncms/internal/server"
)

// newSandboxEnv is New over the HIS sandbox county instead of a bare one:
// scheme A (schemes/chongqing-2013.yaml) for this year, the township,
// county and city hospitals, two enrolled households and the sandbox
// catalogue (docs/his.md "Sandbox").
func newSandboxEnv(t *testing.T, d *db.DB) (*Env, *his.SandboxFile) {
	t.Helper()
	bin := Chromium(t)
	yaml, err := os.ReadFile("../../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	key, err := institution.NewKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{DB: d, AdminPassword: sb.Admin["password"]}
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&e.County); err != nil {
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
	return e, sb
}

// TestDeskSettleAndPrintSlip: the township hospital's clerk settles the
// sandbox outpatient visit at the desk and prints the slip. Figures worked
// by hand from scheme A and the sandbox catalogue: 一般诊疗费 1 × 10.00 (A)
// + 阿莫西林胶囊 24 × 0.25 = 6.00 (A) + 头孢克肟胶囊 10 × 3.20 = 32.00 (B, 10%
// first self-pay 3.20, in scope 28.80) + 阿胶补血口服液 1 × 50.00 (C, fully
// self-paid) = 98.00; in scope 10 + 6 + 28.80 = 44.80; general outpatient
// is paid at 100% from the 60-yuan yearly quota: basic 44.80, cash 53.20,
// 44.80 of the quota used.
func TestDeskSettleAndPrintSlip(t *testing.T) {
	Chromium(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			d := dbtest.SQLite(t)
			if engine == "postgres" {
				d = dbtest.Postgres(t)
			}
			deskFlow(t, d)
		})
	}
}

func deskFlow(t *testing.T, d *db.DB) {
	e, sb := newSandboxEnv(t, d)
	var town int64
	if err := d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = 'township'`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	sys := access.WithActor(context.Background(), access.System("test"))
	if _, _, err := e.App.Auth.CreateUser(sys, auth.UserInput{Username: "desk.town", DisplayName: "李医生", Role: access.Institution,
		InstitutionID: town, Password: "desk-pass-1"}); err != nil {
		t.Fatal(err)
	}
	p := sb.Persons[0] // 张大山, tier 1
	e.Login(t, "desk.town", "desk-pass-1")
	e.Do(t,
		chromedp.Click(css(`nav.main a[href="/desk"]`)),
		chromedp.WaitVisible(css("#desk-find")),
		chromedp.SendKeys(css("#f-id_number"), p.Certno),
		chromedp.Click(css("#desk-find-submit")),
		chromedp.WaitVisible(css("#desk-person-name")),
	)
	if cov := e.Text(t, "#desk-coverage"); !strings.Contains(cov, "已参合") || !strings.Contains(cov, "1") {
		t.Fatalf("coverage: %q", cov)
	}
	if loc, _ := chromedp.Run(e.Ctx, chromedp.Location()); strings.Contains(loc, p.Certno) {
		t.Fatalf("the ID number is in the address bar: %s", loc)
	}
	e.Do(t,
		chromedp.SetValue(css("#f-med_type"), "11"),
		chromedp.SendKeys(css("#f-diagnoses"), "J06.9"),
		chromedp.Click(css("#desk-register-submit")),
		chromedp.WaitVisible(css("#desk-lines")),
		// The first item through the catalogue lookup: name and price shown.
		chromedp.SendKeys(css("#f-lookup"), "S110200001"),
		chromedp.Click(css("#desk-code-lookup-submit")),
		chromedp.WaitVisible(css("#desk-item")),
	)
	if item := e.Text(t, "#desk-item"); !strings.Contains(item, "一般诊疗费") || !strings.Contains(item, "10.00") {
		t.Fatalf("catalogue item: %q", item)
	}
	e.Do(t,
		chromedp.SetValue(css("#f-qty"), "1"),
		chromedp.Click(css("#desk-line-submit")),
		chromedp.WaitVisible(css(`#desk-lines tr[data-sn="1"]`)),
	)
	for i, l := range [][2]string{{"XJ01CAA040A001010101445", "24"}, {"XJ01DDA080A001010101445", "10"}, {"ZC99ZZZ0001010100001", "1"}} {
		e.Do(t,
			chromedp.SetValue(css("#f-code"), l[0]),
			chromedp.SetValue(css("#f-qty"), l[1]),
			chromedp.Click(css("#desk-line-submit")),
			chromedp.WaitVisible(css(`#desk-lines tr[data-sn="`+itoa(int64(i+2))+`"]`)),
		)
	}
	if got := e.Text(t, "#desk-open-total"); got != "98.00" {
		t.Fatalf("open lines total %q, want 98.00", got)
	}
	e.Do(t,
		chromedp.Click(css("#desk-presettle-submit")),
		chromedp.WaitVisible(css("#desk-pre")),
	)
	if fund, cash := e.Text(t, "#pre-fund"), e.Text(t, "#pre-cash"); fund != "44.80" || cash != "53.20" {
		t.Fatalf("pre-settlement: fund %q cash %q", fund, cash)
	}
	e.Do(t,
		chromedp.Click(css("#desk-settle-submit")),
		chromedp.WaitVisible(css("#slip")),
	)
	for sel, want := range map[string]string{"#slip-medfee": "98.00", "#slip-inscope": "44.80", "#slip-basic": "44.80",
		"#slip-fund": "44.80", "#slip-cash": "53.20", "#slip-ytd-basic": "44.80"} {
		if got := e.Text(t, sel); got != want {
			t.Errorf("%s = %q, want %s", sel, got, want)
		}
	}
	lines := e.Text(t, "#slip-lines")
	for _, want := range []string{"一般诊疗费", "阿莫西林胶囊", "头孢克肟胶囊", "阿胶补血口服液", "3.20", "28.80", "50.00", "6.00"} {
		if !strings.Contains(lines, want) {
			t.Errorf("slip lines lack %q: %q", want, lines)
		}
	}
	if ytd := e.Text(t, "#slip-ytd"); !strings.Contains(ytd, "outpatient-quota") || !strings.Contains(ytd, "44.80") {
		t.Errorf("year to date: %q", ytd)
	}
	if caps := e.Text(t, "#slip-caps"); !strings.Contains(caps, "60.00") {
		t.Errorf("caps: %q", caps)
	}
	if who := e.Text(t, "#slip-person"); !strings.Contains(who, p.PsnName) || !strings.Contains(who, idcard.Mask(p.Certno)) {
		t.Errorf("slip person: %q", who)
	}
	if strings.Contains(e.Text(t, "main"), p.Certno) {
		t.Error("the full ID number is on the slip")
	}
	e.printPage(t, "#slip-print")
}
