package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/engine"
	"ncms/internal/his"
	"ncms/internal/money"
	"ncms/internal/settle"
	"ncms/internal/statement"
)

// TestStatementMonthToPayment: finance prepares the month for every
// institution, a second finance user checks the township hospital's
// statement, the director approves it, finance makes a bank batch, downloads
// its files and records the payment. The statement carries the sandbox
// outpatient settlement worked by hand in TestDeskSettleAndPrintSlip: fund
// 44.80, nothing deducted or withheld, so 44.80 is payable.
func TestStatementMonthToPayment(t *testing.T) {
	Chromium(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			d := dbtest.SQLite(t)
			if engine == "postgres" {
				d = dbtest.Postgres(t)
			}
			statementFlow(t, d)
		})
	}
}

// settleSandboxVisit settles the sandbox outpatient visit (cost 98.00, fund
// 44.80) at the township hospital through the settlement service.
func settleSandboxVisit(t *testing.T, d *db.DB, sb *his.SandboxFile, town int64) {
	t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{Username: "his.town", Role: access.Institution,
		Scope: access.Scope{InstitutionID: town}})
	svc := settle.New(d, settle.Options{})
	person, err := strconv.ParseInt(sb.Persons[0].PsnNo, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	today := civil.Of(time.Now().In(statement.China))
	v, err := svc.Register(ctx, settle.VisitRequest{PersonID: person, MedType: "11", Begin: today, Diagnoses: []string{"J06.9"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []settle.LineInput
	for i, l := range []struct {
		code  string
		qty   int64
		price string
	}{{"S110200001", 1, "10.00"}, {"XJ01CAA040A001010101445", 24, "0.25"}, {"XJ01DDA080A001010101445", 10, "3.20"}, {"ZC99ZZZ0001010100001", 1, "50.00"}} {
		p := money.MustParse(l.price)
		lines = append(lines, settle.LineInput{SN: strconv.Itoa(i + 1), Code: l.code, Qty: engine.Qty(l.qty * 10000),
			Price: engine.Price(int64(p) * 10000), Total: p * money.Fen(l.qty)})
	}
	if _, err := svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: lines}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.Settle(ctx, settle.SettleRequest{VisitID: v.ID, MedFee: money.MustParse("98.00")})
	if err != nil {
		t.Fatal(err)
	}
	if st.Result.FundTotal != money.MustParse("44.80") {
		t.Fatalf("settlement fund %s, want 44.80", st.Result.FundTotal)
	}
}

// fetch reads a URL with the browser's session (a synchronous request from
// the page) and returns the status and the body.
func (e *Env) fetch(t *testing.T, href string) (int, string) {
	t.Helper()
	res, err := chromedp.Run(e.Ctx, chromedp.Evaluate[[]any](`(function () {
		var x = new XMLHttpRequest(); x.open("GET", `+strconv.Quote(href)+`, false);
		x.overrideMimeType("text/plain; charset=x-user-defined"); x.send();
		return [x.status, x.getResponseHeader("Content-Type") || "", x.responseText];
	})()`))
	if err != nil || len(res) != 3 {
		t.Fatalf("fetch %s: %v", href, err)
	}
	status, _ := res[0].(float64)
	body, _ := res[2].(string)
	return int(status), body
}

func statementFlow(t *testing.T, d *db.DB) {
	e, sb := newSandboxEnv(t, d)
	var town int64
	if err := d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = 'township'`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	sys := access.WithActor(context.Background(), access.System("test"))
	for _, u := range []struct {
		name, display string
		role          access.Role
	}{{"fin1", "王会计", access.Finance}, {"fin2", "赵复核", access.Finance}, {"dir1", "刘主任", access.Director}} {
		if _, _, err := e.App.Auth.CreateUser(sys, auth.UserInput{Username: u.name, DisplayName: u.display, Role: u.role,
			AreaID: e.County, Password: "user-pass-1"}); err != nil {
			t.Fatal(err)
		}
	}
	settleSandboxVisit(t, d, sb, town)

	// Finance prepares the month for every institution.
	e.Login(t, "fin1", "user-pass-1")
	e.Do(t,
		chromedp.Click(css(`nav.main a[href="/statements"]`)),
		chromedp.WaitVisible(css("#statement-prepare")),
		chromedp.SetValue(css("#f-institution_id"), "all"),
		chromedp.Click(css("#prepare-submit")),
		chromedp.WaitVisible(css("#prepare-results")),
	)
	if got := e.Text(t, "#prepare-results"); strings.Count(got, "已编制") != 3 {
		t.Fatalf("prepare results: %q", got)
	}
	e.Do(t,
		chromedp.Click(css(`#statements tr[data-inst="`+itoa(town)+`"] a`)),
		chromedp.WaitVisible(css("#statement-figures")),
	)
	stmtURL, err := chromedp.Run(e.Ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Text(t, "#statement-payable"); got != "44.80" {
		t.Fatalf("payable %q, want 44.80", got)
	}
	if why := e.Text(t, "#statement-why"); !strings.Contains(why, "您编制了这份结算单") {
		t.Fatalf("the preparer is not told why there is no review: %q", why)
	}
	e.printPage(t, "#statement-print")
	e.Logout(t)

	// A second finance user checks it.
	e.Login(t, "fin2", "user-pass-1")
	e.Do(t,
		chromedp.Navigate(stmtURL),
		chromedp.WaitVisible(css("#statement-review")),
		chromedp.SendKeys(css("#f-reason"), "核对无误"),
		chromedp.Click(css("#step-check")),
		chromedp.WaitVisible(css(".flash-ok")),
	)
	if got := e.Text(t, "#statement-status"); got != "待审批" {
		t.Fatalf("status after the check %q", got)
	}
	e.Logout(t)

	// The director approves it.
	e.Login(t, "dir1", "user-pass-1")
	e.Do(t,
		chromedp.Navigate(stmtURL),
		chromedp.WaitVisible(css("#step-approve")),
		chromedp.Click(css("#step-approve")),
		chromedp.WaitVisible(css(".flash-ok")),
	)
	if got := e.Text(t, "#statement-status"); got != "已审批" {
		t.Fatalf("status after the approval %q", got)
	}
	if hist := e.Text(t, "#statement-events"); !strings.Contains(hist, "fin1") || !strings.Contains(hist, "fin2") ||
		!strings.Contains(hist, "核对无误") || !strings.Contains(hist, "dir1") {
		t.Fatalf("history: %q", hist)
	}
	e.Logout(t)

	// Finance makes the bank batch, downloads its files, records the payment.
	e.Login(t, "fin1", "user-pass-1")
	e.Do(t,
		chromedp.Click(css(`nav.main a[href="/statements/batches"]`)),
		chromedp.WaitVisible(css("#batch-form")),
	)
	if got := e.Text(t, "#payable-total"); got != "44.80" {
		t.Fatalf("payable total %q", got)
	}
	e.Do(t,
		chromedp.Click(css("#batch-submit")),
		chromedp.WaitVisible(css("#batch-lines")),
	)
	csvHref, err := chromedp.Run(e.Ctx, chromedp.AttributeValue(css("#file-csv"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	status, body := e.fetch(t, csvHref.Value)
	if status != 200 || !strings.Contains(body, "6228480012345678901") || !strings.Contains(body, ",44.80,") {
		t.Fatalf("csv file: %d %q", status, body)
	}
	href, err := chromedp.Run(e.Ctx, chromedp.AttributeValue(css("#file-xlsx"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := e.fetch(t, href.Value); status != 200 || !strings.HasPrefix(body, "PK") {
		t.Fatalf("xlsx file: %d, %d bytes", status, len(body))
	}
	e.Do(t,
		chromedp.SendKeys(css("#f-bank_ref"), "NX20240101"),
		chromedp.Click(css("#pay-submit")),
		chromedp.WaitVisible(css("#batch-paid")),
	)
	if got := e.Text(t, "#batch-status"); got != "已支付" {
		t.Fatalf("batch status %q", got)
	}
	e.Do(t, chromedp.Navigate(stmtURL), chromedp.WaitVisible(css("#statement-figures")))
	if got := e.Text(t, "#statement-status"); got != "已支付" {
		t.Fatalf("statement status after the payment %q", got)
	}
}
