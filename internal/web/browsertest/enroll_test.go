package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// TestEnrollHousehold: a township enrollment clerk opens the enrollment
// desk from the menu, finds a household of three by its number, sees the
// quote of the year's standard (Pan county preset: person 30 + government
// 200 = 230 yuan a head, so the household pays 3 × 30 = 90.00 of 3 × 230 =
// 690.00), takes the cash, and gets the receipt: three lines of 30.00 /
// 200.00 / 230.00, masked ID numbers, 90.00 received; printing hides the
// buttons and the menu.
func TestEnrollHousehold(t *testing.T) {
	Each(t, func(t *testing.T, e *Env) {
		sys := access.WithActor(context.Background(), access.System("test"))
		reg := registry.New(e.DB, registry.Options{})
		town, err := reg.CreateArea(sys, registry.AreaInput{ParentID: e.County, Name: "红果镇"})
		if err != nil {
			t.Fatal(err)
		}
		vill, err := reg.CreateArea(sys, registry.AreaInput{ParentID: town.ID, Name: "红星村"})
		if err != nil {
			t.Fatal(err)
		}
		head := idcard.Generate("520222", civil.MustParse("1968-04-02"), 31, true)
		hh, err := reg.RegisterHousehold(sys, registry.HouseholdInput{AreaID: vill.ID, Address: "三组8号", Members: []registry.PersonInput{
			{IDNumber: head, Name: "刘永福", Relation: "户主"},
			{IDNumber: idcard.Generate("520222", civil.MustParse("1970-09-15"), 32, false), Name: "陈桂芳", Relation: "配偶"},
			{IDNumber: idcard.Generate("520222", civil.MustParse("1995-01-20"), 33, true), Name: "刘明", Relation: "子"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		// The year: window around today, period from 40 days on (as the
		// administrator sets it up in "年度与标准"), Pan county standard.
		en := enroll.New(e.DB, enroll.Options{})
		today := civil.Of(time.Now().In(time.FixedZone("CST", 8*3600)))
		year := today.Year + 1
		if _, err := en.CreateYear(sys, enroll.YearInput{Year: year, PeriodFrom: today.AddDays(40), WindowFrom: today.AddDays(-30),
			WindowTo: today.AddDays(30), WaitingDays: 90}); err != nil {
			t.Fatal(err)
		}
		pan, _ := enroll.PresetByKey("pan")
		if _, err := en.SetStandards(sys, year, pan.Standards, pan.Subsidies); err != nil {
			t.Fatal(err)
		}
		if _, err := en.SetStatus(sys, year, enroll.Open); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.Auth.CreateUser(sys, auth.UserInput{Username: "clerk.hg", DisplayName: "王芳", Role: access.Enrollment,
			AreaID: town.ID, Password: "clerk-pass-1"}); err != nil {
			t.Fatal(err)
		}

		e.Login(t, "clerk.hg", "clerk-pass-1")
		e.Do(t,
			chromedp.Click(css(`nav.main a[href="/enroll"]`)),
			chromedp.WaitVisible(css("#enroll-search")),
			chromedp.SetValue(css("#f-year"), itoa(int64(year))),
			chromedp.SendKeys(css("#f-q"), hh.Number),
			chromedp.Click(css(`#enroll-search button[type=submit]`)),
			chromedp.WaitVisible(css("#enroll-quote")),
		)
		if got := e.Text(t, "#enroll-household"); !strings.Contains(got, "刘永福") || !strings.Contains(got, "陈桂芳") || !strings.Contains(got, "刘明") {
			t.Fatalf("household: %q", got)
		}
		quote := e.Text(t, "#enroll-quote tfoot")
		if got := e.Text(t, "#quote-person-pays"); got != "90.00" || !strings.Contains(quote, "690.00") || !strings.Contains(quote, "600.00") {
			t.Fatalf("quote: person pays %q, footer %q", got, quote)
		}
		e.Do(t,
			chromedp.SetValue(css("#f-method"), "cash"),
			chromedp.Click(css("#enroll-pay button[type=submit]")),
			chromedp.WaitVisible(css("#receipt")),
		)
		if got := e.Text(t, "#receipt-paid"); got != "90.00" {
			t.Fatalf("receipt: paid %q", got)
		}
		if no := e.Text(t, "#receipt-no"); !strings.HasPrefix(no, itoa(int64(year))+"-") {
			t.Fatalf("receipt number %q", no)
		}
		rows := e.Text(t, "#receipt tbody")
		for _, want := range []string{"刘永福", "陈桂芳", "刘明", idcard.Mask(head), "30.00", "200.00", "230.00"} {
			if !strings.Contains(rows, want) {
				t.Fatalf("receipt lines lack %q: %q", want, rows)
			}
		}
		if strings.Count(rows, "230.00") != 3 || strings.Contains(e.Text(t, "main"), head) {
			t.Fatalf("receipt lines: %q", rows)
		}
		if foot := e.Text(t, "#receipt tfoot"); !strings.Contains(foot, "690.00") {
			t.Fatalf("receipt total: %q", foot)
		}
		e.printPage(t, `[data-print]`)
	})
}

// printPage clicks the print button (window.print replaced by a recorder,
// as headless Chromium has no print dialog), checks that it was called,
// then shows the page as printed: the button and the menu are hidden.
func (e *Env) printPage(t *testing.T, button string) {
	t.Helper()
	if _, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`window.__printed = false; window.print = function () { window.__printed = true; }; true`)); err != nil {
		t.Fatal(err)
	}
	e.Do(t, chromedp.Click(css(button)))
	printed, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`window.__printed`))
	if err != nil || !printed {
		t.Fatalf("the print button did not print (%v)", err)
	}
	e.Do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	defer e.Do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return err
	}))
	hidden, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`(function () {
		var b = document.querySelector(`+"`"+button+"`"+`), n = document.querySelector("header.top");
		return b.getClientRects().length === 0 && n.getClientRects().length === 0;
	})()`))
	if err != nil || !hidden {
		t.Fatalf("printed page still shows the button or the menu (%v)", err)
	}
}
