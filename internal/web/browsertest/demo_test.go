package browsertest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/enroll"
	"ncms/internal/institution"
	"ncms/internal/statement"
)

// demoCounty is a small demo county (internal/demo, as `ncms demo` builds
// it) served to a headless browser, with the logins the generator returned.
type demoCounty struct {
	*Env
	res   *demo.Result
	pw    map[string]string // username -> password, as `ncms demo` prints them
	today civil.Date
	user  string // logged in now
}

// demoSize is the smallest county with two townships (townships scale with
// √size: round(10 × √0.025) = 2), so that scope can be tested, and a few
// hundred settled visits.
const demoSize = 0.025

// newDemoCounty builds a demo county of the size (demoSize for the tests)
// on d and serves it.
func newDemoCounty(t *testing.T, d *db.DB, size float64) *demoCounty {
	t.Helper()
	Chromium(t)
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	key, err := institution.NewKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := demo.Run(context.Background(), d, demo.Options{Seed: 7, Size: size, OutpatientShare: 0.1, Key: key,
		BcryptCost: bcrypt.MinCost, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo county: %d townships, %d persons, %d visits, %d claims, %d statements, %d notices in %s", res.Townships,
		res.Persons, res.Visits, res.Claims, res.Statements, res.Notices, time.Since(start).Round(time.Millisecond))
	dc := &demoCounty{Env: Serve(t, d), res: res, pw: map[string]string{}, today: civil.Of(time.Now().In(demo.China))}
	for _, l := range res.Logins {
		dc.pw[l.Username] = l.Password
	}
	return dc
}

// as logs the named demo user in (logging out whoever is in).
func (dc *demoCounty) as(t *testing.T, user string) {
	t.Helper()
	pw, ok := dc.pw[user]
	if !ok {
		t.Fatalf("the demo printed no login %q", user)
	}
	dc.logout(t)
	dc.Login(t, user, pw)
	dc.user = user
}

func (dc *demoCounty) logout(t *testing.T) {
	t.Helper()
	if dc.user != "" {
		dc.Do(t, chromedp.Navigate(dc.URL+"/"), chromedp.WaitVisible(css("#logout")))
		dc.Logout(t)
		dc.user = ""
	}
}

// one returns the first row of a query (test fixture look-ups).
func (dc *demoCounty) one(t *testing.T, q string, args []any, dest ...any) {
	t.Helper()
	if err := dc.DB.QueryRowContext(context.Background(), q, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", strings.Join(strings.Fields(q), " "), err)
	}
}

// areaOf is the area path of a demo user's scope.
func (dc *demoCounty) areaOf(t *testing.T, user string) string {
	var path string
	dc.one(t, `SELECT a.path FROM users u JOIN areas a ON a.id = u.area_id WHERE u.username = ?`, []any{user}, &path)
	return path
}

// demoPerson is a person of the demo county.
type demoPerson struct {
	ID             int64
	IDNumber, Name string
}

// covered returns the skip+1-th active person covered from 10 days ago to
// today whose area path does (in) or does not start with prefix, with no
// open visit.
func (dc *demoCounty) covered(t *testing.T, prefix string, in bool, skip int) demoPerson {
	t.Helper()
	op := "LIKE"
	if !in {
		op = "NOT LIKE"
	}
	var p demoPerson
	// Covered since 10 days ago at least (the claim's stay), or the year's start.
	since := dc.today.AddDays(-10)
	if first := civil.New(dc.res.Year, 1, 1); since.Before(first) {
		since = first
	}
	dc.one(t, `SELECT p.id, p.id_number, p.name FROM persons p JOIN enrollments e ON e.person_id = p.id
		WHERE e.year = ? AND e.cancelled_at IS NULL AND e.cover_from <= ? AND e.cover_to >= ? AND p.status = 'active'
		AND p.id_number IS NOT NULL AND p.area_path `+op+` ?
		AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id AND v.status = 'open')
		ORDER BY p.id LIMIT 1 OFFSET ?`, []any{dc.res.Year, since.String(), dc.today.String(), prefix + "%", skip},
		&p.ID, &p.IDNumber, &p.Name)
	return p
}

// TestDemoCounty runs the console's daily journeys on a demo county as the
// demo's own users (the logins `ncms demo` prints): every role logs in;
// a township clerk cannot open another township's person by URL; the clerk
// enrolls a household and prints the receipt; the county hospital's desk
// settles a visit and prints the slip; a manual claim is filed at the
// township and reviewed by two other users (the reviewer may not take the
// second step too); finance prepares the hospital's month, the second
// finance clerk checks it and the director approves it; a notice is
// generated, reviewed, published and read logged out; the patient looks up
// their own settlement. One county per engine. A failing step leaves a
// screenshot (Serve, Screenshot).
func TestDemoCounty(t *testing.T) {
	Chromium(t)
	t.Run("sqlite", func(t *testing.T) { newDemoCounty(t, dbtest.SQLite(t), demoSize).journeys(t) })
	t.Run("postgres", func(t *testing.T) { newDemoCounty(t, dbtest.Postgres(t), demoSize).journeys(t) })
}

func (dc *demoCounty) journeys(t *testing.T) {
	start := time.Now()
	var patient demoPerson
	for _, j := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"logins", dc.logins},
		{"scope", dc.scope},
		{"enroll", dc.enroll},
		{"desk", func(t *testing.T) { patient = dc.desk(t) }},
		{"claim", dc.claim},
		{"statement", dc.statement},
		{"notice", dc.notice},
		{"lookup", func(t *testing.T) { dc.lookup(t, patient) }},
	} {
		t0 := time.Now()
		if !t.Run(j.name, j.run) {
			dc.user = "" // unknown state: the next journey starts logged out
			_ = chromedp.Do(dc.Ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
				return err
			}))
		}
		t.Logf("%-10s %s", j.name, time.Since(t0).Round(time.Millisecond))
	}
	t.Logf("journeys: %s", time.Since(start).Round(time.Millisecond))
}

// logins: every printed login opens its home page; county staff see the
// dashboard, the others their own work.
func (dc *demoCounty) logins(t *testing.T) {
	if len(dc.res.Logins) < 8 {
		t.Fatalf("the demo printed %d logins, want one per role", len(dc.res.Logins))
	}
	for _, l := range dc.res.Logins {
		dc.as(t, l.Username)
		if who := dc.Text(t, "header .user"); strings.TrimSpace(who) == "" {
			t.Errorf("%s: no user in the header", l.Username)
		}
		h1 := dc.Text(t, "main h1")
		switch l.Role {
		case access.Admin, access.Finance, access.Director, access.Auditor, access.Inspector, access.Reviewer:
			if !strings.Contains(h1, "基金运行概况") {
				t.Errorf("%s (%s): home %q, want the dashboard", l.Username, l.Role, h1)
			}
		default:
			if strings.Contains(h1, "基金运行概况") || h1 == "" {
				t.Errorf("%s (%s): home %q", l.Username, l.Role, h1)
			}
		}
	}
	dc.logout(t)
}

// scope: the township clerk opens a person of their township but not one
// of the other township, not even by typing the address.
func (dc *demoCounty) scope(t *testing.T) {
	town := dc.areaOf(t, "clerk")
	mine, other := dc.covered(t, town, true, 0), dc.covered(t, town, false, 0)
	dc.as(t, "clerk")
	dc.Do(t, chromedp.Navigate(dc.URL+"/persons/"+itoa(mine.ID)+"/file"), chromedp.WaitVisible(css("#person-name")))
	if got := dc.Text(t, "#person-name"); !strings.Contains(got, mine.Name) {
		t.Errorf("own township's person: %q", got)
	}
	for _, path := range []string{"/persons/" + itoa(other.ID) + "/file", "/persons/" + itoa(other.ID)} {
		if status, body := dc.fetch(t, path); status != 404 || strings.Contains(body, other.Name) {
			t.Errorf("%s of the other township: %d (name shown: %v)", path, status, strings.Contains(body, other.Name))
		}
	}
	dc.Do(t, chromedp.Navigate(dc.URL+"/persons/"+itoa(other.ID)+"/file"), chromedp.WaitVisible(css("main")))
	if body := dc.Text(t, "main"); strings.Contains(body, other.Name) || strings.Contains(body, other.IDNumber) {
		t.Errorf("the other township's person is shown: %q", body)
	}
}

// enroll: the administrator opens next year's collection (the demo's
// year is past its window: a payment now would be covered after the year
// ends), and the clerk enrolls a household of the township and prints the
// receipt (Pan county standard: 230.00 a head).
func (dc *demoCounty) enroll(t *testing.T) {
	year := dc.res.Year + 1
	sys := access.WithActor(context.Background(), access.System("test"))
	en := enroll.New(dc.DB, enroll.Options{})
	windowTo := dc.today.AddDays(30)
	if last := civil.New(dc.res.Year, 12, 31); windowTo.After(last) {
		windowTo = last
	}
	if _, err := en.CreateYear(sys, enroll.YearInput{Year: year, PeriodFrom: civil.New(year, 1, 1),
		WindowFrom: dc.today.AddDays(-30), WindowTo: windowTo, WaitingDays: 90}); err != nil {
		t.Fatal(err)
	}
	pan, _ := enroll.PresetByKey("pan")
	if _, err := en.SetStandards(sys, year, pan.Standards, pan.Subsidies); err != nil {
		t.Fatal(err)
	}
	if _, err := en.SetStatus(sys, year, enroll.Open); err != nil {
		t.Fatal(err)
	}
	var number string
	var members int
	dc.one(t, `SELECT h.number, COUNT(*) FROM households h JOIN persons p ON p.household_id = h.id AND p.status = 'active'
		WHERE h.area_path LIKE ? GROUP BY h.id, h.number ORDER BY h.id LIMIT 1`,
		[]any{dc.areaOf(t, "clerk") + "%"}, &number, &members)
	dc.as(t, "clerk")
	dc.Do(t,
		chromedp.Click(css(`nav.main a[href="/enroll"]`)),
		chromedp.WaitVisible(css("#enroll-search")),
		chromedp.SetValue(css("#f-year"), strconv.Itoa(year)),
		chromedp.SendKeys(css("#f-q"), number),
		chromedp.Click(css(`#enroll-search button[type=submit]`)),
		chromedp.WaitVisible(css("#enroll-quote")),
		chromedp.SetValue(css("#f-method"), "cash"),
		chromedp.Click(css("#enroll-pay button[type=submit]")),
		chromedp.WaitVisible(css("#receipt")),
	)
	if no := dc.Text(t, "#receipt-no"); !strings.HasPrefix(no, strconv.Itoa(year)+"-") {
		t.Errorf("receipt number %q", no)
	}
	// Subsidized members pay nothing themselves: 30.00 a head or less.
	if paid := dc.Text(t, "#receipt-paid"); paid == "" || strings.Count(dc.Text(t, "#receipt tbody"), "230.00") != members {
		t.Errorf("receipt: paid %q for %d members: %q", paid, members, dc.Text(t, "#receipt tbody"))
	}
	dc.printPage(t, `[data-print]`)
}

// desk: the county hospital's clerk settles an outpatient visit of a
// person from the other township and prints the slip. It returns the
// patient.
func (dc *demoCounty) desk(t *testing.T) demoPerson {
	p := dc.covered(t, dc.areaOf(t, "clerk"), false, 1)
	dc.as(t, "desk")
	dc.Do(t,
		chromedp.Click(css(`nav.main a[href="/desk"]`)),
		chromedp.WaitVisible(css("#desk-find")),
		chromedp.SendKeys(css("#f-id_number"), p.IDNumber),
		chromedp.Click(css("#desk-find-submit")),
		chromedp.WaitVisible(css("#desk-person-name")),
		chromedp.SetValue(css("#f-med_type"), "11"),
		chromedp.SendKeys(css("#f-diagnoses"), "J06.9"),
		chromedp.Click(css("#desk-register-submit")),
		chromedp.WaitVisible(css("#desk-lines")),
	)
	// 肝功能检查 60.00 + 阿莫西林胶囊 24 × 0.25 = 66.00
	for i, l := range [][2]string{{"S250301001", "1"}, {"XJ01CAA040A001010101445", "24"}} {
		dc.Do(t,
			chromedp.SetValue(css("#f-code"), l[0]),
			chromedp.SetValue(css("#f-qty"), l[1]),
			chromedp.Click(css("#desk-line-submit")),
			chromedp.WaitVisible(css(`#desk-lines tr[data-sn="`+itoa(int64(i+1))+`"]`)),
		)
	}
	if got := dc.Text(t, "#desk-open-total"); got != "66.00" {
		t.Fatalf("open lines total %q, want 66.00", got)
	}
	dc.Do(t,
		chromedp.Click(css("#desk-presettle-submit")),
		chromedp.WaitVisible(css("#desk-pre")),
		chromedp.Click(css("#desk-settle-submit")),
		chromedp.WaitVisible(css("#slip")),
	)
	fund, cash := yuan(t, dc.Text(t, "#slip-fund")), yuan(t, dc.Text(t, "#slip-cash"))
	if medfee := dc.Text(t, "#slip-medfee"); medfee != "66.00" || fund+cash != 6600 || fund <= 0 {
		t.Errorf("slip: cost %s, fund %d, cash %d (fen)", medfee, fund, cash)
	}
	if who := dc.Text(t, "#slip-person"); !strings.Contains(who, p.Name) || strings.Contains(dc.Text(t, "main"), p.IDNumber) {
		t.Errorf("slip person: %q (or the full ID number on the slip)", who)
	}
	dc.printPage(t, "#slip-print")
	return p
}

// yuan parses "12.34" into fen.
func yuan(t *testing.T, s string) int64 {
	t.Helper()
	y, f, ok := strings.Cut(strings.TrimSpace(s), ".")
	n, err := strconv.ParseInt(y+f, 10, 64)
	if !ok || len(f) != 2 || err != nil {
		t.Fatalf("amount %q", s)
	}
	return n
}

// claimCount reads the count on a queue's tab of /claims.
func (dc *demoCounty) claimCount(t *testing.T, stage string) int {
	t.Helper()
	dc.Do(t, chromedp.Navigate(dc.URL+"/claims?stage=all"), chromedp.WaitVisible(css("#claim-queues")))
	n, err := strconv.Atoi(strings.TrimSpace(dc.Text(t, `#claim-queues a[data-stage="`+stage+`"] .badge`)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// decide approves the claim's current step as the logged-in user and
// returns the stage it is in afterwards (or the refusal shown).
func (dc *demoCounty) decide(t *testing.T, claim string) string {
	t.Helper()
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/claims/"+claim),
		chromedp.WaitVisible(css("#claim-decide")),
		chromedp.SendKeys(css("#f-reason"), "材料齐全,同意 / "+dc.user),
		chromedp.Click(css(`#claim-decide button[value="approve"]`)),
		chromedp.WaitVisible(css(".flash")),
	)
	if msg := dc.Text(t, ".flash"); strings.Contains(msg, "同一人") {
		return msg
	}
	return dc.Text(t, "#claim-stage")
}

// provincialStay skips a claim journey early in the year (the claim's
// stay needs 8 days of it) and returns the provincial hospital's id.
func (dc *demoCounty) provincialStay(t *testing.T) int64 {
	if dc.today.DaysSince(civil.New(dc.res.Year, 1, 1)) < 8 {
		t.Skip("the year is younger than the claim's stay")
	}
	var prov int64
	dc.one(t, `SELECT id FROM institutions WHERE level = 'province'`, nil, &prov)
	return prov
}

// claim: the township clerk files a claim for a stay at the provincial
// hospital (not networked); the reviewer takes the first review and is
// refused the second; the director takes the second. The queues' counts
// follow the claim.
func (dc *demoCounty) claim(t *testing.T) {
	prov := dc.provincialStay(t)
	p := dc.covered(t, dc.areaOf(t, "clerk"), true, 1)

	dc.as(t, "reviewer")
	first, second := dc.claimCount(t, "first_review"), dc.claimCount(t, "second_review")
	dc.as(t, "clerk")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/claims"),
		chromedp.WaitVisible(css("#claim-new")),
		chromedp.Click(css("#claim-new")),
		chromedp.WaitVisible(css("#claim-form")),
	)
	// 阑尾切除术 1,200.00 + 肝功能检查 3 × 60.00 + 一级护理 5 × 25.00 =
	// 1,505.00, over the provincial deductible of 800.
	loc := dc.fileClaim(t, p, prov, "21", "SF-DEMO-1", "6230500012345678")
	claim := loc[strings.LastIndex(loc, "/")+1:]
	if st := dc.Text(t, "#claim-stage"); !strings.Contains(st, "初审") {
		t.Fatalf("filed claim %s is at %q", claim, st)
	}

	dc.as(t, "reviewer")
	if n := dc.claimCount(t, "first_review"); n != first+1 {
		t.Errorf("first review queue %d after filing, want %d", n, first+1)
	}
	if st := dc.decide(t, claim); !strings.Contains(st, "复审") {
		t.Fatalf("after the first review: %q", st)
	}
	if a, b := dc.claimCount(t, "first_review"), dc.claimCount(t, "second_review"); a != first || b != second+1 {
		t.Errorf("queues after the first review: first %d, second %d; want %d, %d", a, b, first, second+1)
	}
	if st := dc.decide(t, claim); !strings.Contains(st, "同一人") {
		t.Errorf("the first reviewer took the second review too: %q", st)
	}

	dc.as(t, "director")
	if st := dc.decide(t, claim); !strings.Contains(st, "已审批") && !strings.Contains(st, "待支付") && !strings.Contains(st, "通过") {
		t.Errorf("after the second review: %q", st)
	}
	if fund := dc.Text(t, "#claim-fund"); yuan(t, fund) <= 0 {
		t.Errorf("approved claim pays %q", fund)
	}
	steps := dc.Text(t, "#claim-steps")
	for _, u := range []string{"clerk", "reviewer", "director"} {
		if !strings.Contains(steps, u) {
			t.Errorf("steps lack %s: %q", u, steps)
		}
	}
	if b := dc.claimCount(t, "second_review"); b != second {
		t.Errorf("second review queue %d after the approval, want %d", b, second)
	}
}

// statement: finance prepares this month's statement of the county
// hospital (with the desk's settlement), the second finance clerk checks
// it (through the service: the demo prints no login for the checker) and
// the director approves it.
func (dc *demoCounty) statement(t *testing.T) {
	var inst int64
	dc.one(t, `SELECT institution_id FROM users WHERE username = 'desk'`, nil, &inst)
	dc.as(t, "finance")
	period := statement.Period{Year: dc.today.Year, Month: time.Month(dc.today.Month)}.String()
	dc.Do(t,
		chromedp.Click(css(`nav.main a[href="/statements"]`)),
		chromedp.WaitVisible(css("#statement-prepare")),
		chromedp.SetValue(css("#f-period"), period),
		chromedp.SetValue(css("#f-institution_id"), itoa(inst)),
		chromedp.Click(css("#prepare-submit")),
		chromedp.WaitVisible(css(".flash-ok")),
	)
	var id int64
	var prepared string
	dc.one(t, `SELECT id, prepared_by FROM statements WHERE institution_id = ? AND period = ?`, []any{inst, period}, &id, &prepared)
	if prepared != "finance" {
		t.Fatalf("statement %d prepared by %q", id, prepared)
	}
	var uid int64
	var area int64
	dc.one(t, `SELECT u.id, u.area_id FROM users u WHERE u.username = 'finance2'`, nil, &uid, &area)
	checker := access.WithActor(context.Background(), access.Actor{UserID: uid, Username: "finance2", Role: access.Finance,
		Scope: access.Scope{AreaID: area, AreaPath: dc.areaOf(t, "finance2")}})
	if _, err := statement.New(dc.DB, statement.Options{}).Check(checker, id, "核对无误"); err != nil {
		t.Fatal(err)
	}

	dc.as(t, "director")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/statements/"+itoa(id)),
		chromedp.WaitVisible(css("#step-approve")),
		chromedp.Click(css("#step-approve")),
		chromedp.WaitVisible(css(".flash-ok")),
	)
	if got := dc.Text(t, "#statement-status"); got != "已审批" && got != "已结清" {
		t.Errorf("status after the approval %q", got)
	}
	if hist := dc.Text(t, "#statement-events"); !strings.Contains(hist, "finance2") || !strings.Contains(hist, "director") {
		t.Errorf("history: %q", hist)
	}
}

// notice: finance generates the notices of the latest ended month the
// demo did not publish for the clerk's township, the inspector reviews
// the township's, the director publishes it, and a logged-out visitor
// reads it on the public board (names masked).
func (dc *demoCounty) notice(t *testing.T) {
	var townID int64
	dc.one(t, `SELECT area_id FROM users WHERE username = 'clerk'`, nil, &townID)
	period := ""
	for m := dc.today.Month - 1; m >= 1 && period == ""; m-- {
		p := fmt.Sprintf("%d-%02d", dc.today.Year, m)
		var n int
		dc.one(t, `SELECT COUNT(*) FROM notices WHERE period = ? AND area_id = ?`, []any{p, townID}, &n)
		if n == 0 {
			period = p
		}
	}
	if period == "" {
		t.Skip("no ended month of the year without the township's notice")
	}
	dc.as(t, "finance")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/notices?period="+period),
		chromedp.WaitVisible(css("#notice-generate")),
		chromedp.Click(css(`#notice-generate button[value="compensation"]`)),
		chromedp.WaitVisible(css(".flash")),
	)
	var id int64
	var people int
	dc.one(t, `SELECT id, people FROM notices WHERE period = ? AND area_id = ? AND kind = 'compensation'`, []any{period, townID}, &id, &people)
	dc.as(t, "inspector")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/notices/"+itoa(id)),
		chromedp.WaitVisible(css("#notice-review")),
		chromedp.Click(css("#notice-review button[type=submit]")),
		statusIs("已审核"),
	)
	dc.as(t, "director")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/notices/"+itoa(id)),
		chromedp.WaitVisible(css("#notice-publish")),
		chromedp.Click(css("#notice-publish button[type=submit]")),
		statusIs("已发布"),
	)
	dc.logout(t)
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/public/notices"),
		chromedp.WaitVisible(css("#public-notices")),
		chromedp.Click(css(`#public-notices a[href="/public/notices/`+itoa(id)+`"]`)),
		chromedp.WaitVisible(css("#notice-rows")),
	)
	body := dc.Text(t, "body")
	if ids := fullID.FindAllString(body, -1); len(ids) > 0 {
		t.Errorf("the public notice shows full ID numbers %v", ids)
	}
	if rows := strings.Count(dc.Text(t, "#notice-rows tbody"), "*"); people > 0 && rows < people {
		t.Errorf("%d masked names for %d people", rows, people)
	}
}

// lookup: logged out, the desk's patient looks up their own record with
// ID number and name and sees today's settlement.
func (dc *demoCounty) lookup(t *testing.T, p demoPerson) {
	if p.ID == 0 {
		t.Skip("no patient: the desk journey failed")
	}
	dc.logout(t)
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/public/lookup"),
		chromedp.WaitVisible(css("#lookup-form")),
		chromedp.SendKeys(css("#f-id_number"), p.IDNumber),
		chromedp.SendKeys(css("#f-name"), p.Name),
		chromedp.Click(css("#lookup-form button[type=submit]")),
		chromedp.WaitVisible(css("#lookup-result")),
	)
	res := dc.Text(t, "#lookup-result")
	if !strings.Contains(res, dc.today.String()) || !strings.Contains(res, "66.00") {
		t.Errorf("lookup result lacks today's settlement of 66.00:\n%s", res)
	}
	if ids := fullID.FindAllString(dc.Text(t, "body"), -1); len(ids) > 0 {
		t.Errorf("the lookup shows full ID numbers %v", ids)
	}
}

// fileClaim fills the open claim form (#claim-form) for person p at
// institution inst — a stay of the last week, every document but the
// village statement, three lines (阑尾切除术 1,200.00, 肝功能检查 3 × 60.00,
// 一级护理 5 × 25.00: 1,505.00), paid to p's account — runs extra (e.g.
// the special-case fields) before the lines, submits, and returns the
// claim's address.
func (dc *demoCounty) fileClaim(t *testing.T, p demoPerson, inst int64, medType, invoice, account string, extra ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	dc.Do(t, append([]chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(css("#f-certno"), p.IDNumber),
		chromedp.SetValue(css("#f-institution_id"), itoa(inst)),
		chromedp.SetValue(css("#f-med_type"), medType),
		chromedp.SendKeys(css("#f-diagnoses"), "K35.8"),
		chromedp.SetValue(css("#f-begntime"), dc.today.AddDays(-7).String()),
		chromedp.SetValue(css("#f-endtime"), dc.today.AddDays(-2).String()),
		chromedp.SendKeys(css("#f-invono"), invoice),
	}, extra...)...)
	if _, err := chromedp.Run(dc.Ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("#claim-docs input[type=checkbox]")]
		.forEach(c => c.checked = c.value !== "village_statement"); true`)); err != nil {
		t.Fatal(err)
	}
	dc.Do(t,
		chromedp.SendKeys(css(`input[name="code_1"]`), "S311000001"),
		chromedp.SendKeys(css(`input[name="qty_1"]`), "1"),
		chromedp.SendKeys(css(`input[name="total_1"]`), "1200.00"),
		chromedp.SendKeys(css(`input[name="code_2"]`), "S250301001"),
		chromedp.SendKeys(css(`input[name="qty_2"]`), "3"),
		chromedp.SendKeys(css(`input[name="total_2"]`), "180.00"),
		chromedp.SendKeys(css(`input[name="code_3"]`), "S120100001"),
		chromedp.SendKeys(css(`input[name="qty_3"]`), "5"),
		chromedp.SendKeys(css(`input[name="total_3"]`), "125.00"),
		chromedp.SendKeys(css("#f-payee_name"), p.Name),
		chromedp.SendKeys(css("#f-bank_name"), "县农村信用合作联社"),
		chromedp.SendKeys(css("#f-bank_account_no"), account),
		chromedp.Click(css(`#claim-form button[type=submit]`)),
		chromedp.WaitVisible(css("#claim-stage")),
	)
	loc, err := chromedp.Run(dc.Ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
