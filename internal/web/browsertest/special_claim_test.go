package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/claims"
	"ncms/internal/db/dbtest"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// TestDemoSpecialClaim takes a special-case manual claim (特殊情况: a
// referral out of the county, docs/claims.md) through every stage on a
// demo county, each step by a different demo user in the browser: the
// township clerk files it with the special-case box ticked and a reason;
// the village committee of the patient's village investigates; the
// county reviewer takes the township review (and is then refused the
// county approval); the director approves. The amounts the page shows at
// the end must be the claims service's: the estimate it computed before
// the last step (no other bill of the person in between), the stored
// result, and the ledger's postings of the claim; the patient's file
// lists the claim with that compensation. One county per engine; a
// failing step leaves a screenshot.
func TestDemoSpecialClaim(t *testing.T) {
	Chromium(t)
	t.Run("sqlite", func(t *testing.T) { newDemoCounty(t, dbtest.SQLite(t), demoSize).specialClaim(t) })
	t.Run("postgres", func(t *testing.T) { newDemoCounty(t, dbtest.Postgres(t), demoSize).specialClaim(t) })
}

// actor is the demo user's actor (for reading through the services as
// that user).
func (dc *demoCounty) actor(t *testing.T, user string) context.Context {
	t.Helper()
	a := access.Actor{Username: user}
	var inst int64
	var role string
	dc.one(t, `SELECT id, role, COALESCE(institution_id, 0) FROM users WHERE username = ?`, []any{user}, &a.UserID, &role, &inst)
	a.Role = access.Role(role)
	if inst != 0 {
		a.Scope = access.Scope{InstitutionID: inst}
	} else {
		dc.one(t, `SELECT u.area_id FROM users u WHERE u.username = ?`, []any{user}, &a.Scope.AreaID)
		a.Scope.AreaPath = dc.areaOf(t, user)
	}
	return access.WithActor(context.Background(), a)
}

// split reads the claim page's split table: label → amount in fen.
func (dc *demoCounty) split(t *testing.T) map[string]money.Fen {
	t.Helper()
	cells, err := chromedp.Run(dc.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#claim-split th, #claim-split td")]
		.map(c => c.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]money.Fen{}
	for i := 0; i+1 < len(cells); i += 2 {
		if cells[i] == "" {
			continue
		}
		f, err := money.Parse(strings.ReplaceAll(cells[i+1], ",", ""))
		if err != nil {
			t.Fatalf("split %q = %q: %v", cells[i], cells[i+1], err)
		}
		out[cells[i]] = f
	}
	return out
}

// splitOf is the same table from an engine result.
func splitOf(r *engine.Result) map[string]money.Fen {
	return map[string]money.Fen{"医疗费总额": r.MedFee, "符合范围": r.InScope, "起付线": r.Deductible, "基本补偿": r.Basic,
		"大病保险": r.Catastrophic, "医疗救助": r.Assistance, "其他(兜底等)": r.Other, "基金支付合计": r.FundTotal, "个人负担": r.Patient}
}

func sameSplit(t *testing.T, what string, got, want map[string]money.Fen) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %s shown %v (present %v), the service's %v", what, k, g, ok, w)
		}
	}
}

func (dc *demoCounty) specialClaim(t *testing.T) {
	prov := dc.provincialStay(t)
	// A patient of the village committee's village (in the clerk's township).
	p := dc.covered(t, dc.areaOf(t, "village"), true, 2)

	dc.as(t, "clerk")
	dc.Do(t,
		chromedp.Navigate(dc.URL+"/claims/new"),
		chromedp.WaitVisible(css("#claim-form")),
	)
	// Referred out of the county (转外就医), filed as a special case; every
	// document but the village statement (not an injury), the referral
	// certificate included.
	loc := dc.fileClaim(t, p, prov, "23", "SF-SPECIAL-1", "6230500087654321",
		chromedp.Click(css(`input[name="special"]`)),
		chromedp.SendKeys(css("#f-special_reason"), "异地转诊住院,超出常规报销范围,按特殊病例审批"))
	claim := loc[strings.LastIndex(loc, "/")+1:]
	id, err := strconv.ParseInt(claim, 10, 64)
	if err != nil {
		t.Fatalf("claim address %s", loc)
	}
	if st := dc.Text(t, "#claim-stage"); !strings.Contains(st, "村委会调查") {
		t.Fatalf("filed special claim %s is at %q, want the village investigation", claim, st)
	}
	if h1 := dc.Text(t, "main h1"); !strings.Contains(h1, "特殊情况") {
		t.Errorf("the claim is not marked special: %q", h1)
	}

	// The village committee investigates; the reviewer takes the township
	// review and may not take the county approval too.
	for _, step := range []struct{ user, after string }{{"village", "乡镇审核"}, {"reviewer", "县级审批"}} {
		dc.as(t, step.user)
		if st := dc.decide(t, claim); !strings.Contains(st, step.after) {
			t.Fatalf("after %s's step: %q, want %s", step.user, st, step.after)
		}
	}
	if _, err := chromedp.Run(dc.Ctx, chromedp.Navigate(dc.URL+"/claims/"+claim)); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(dc.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("#claim-decide").length`)); err != nil || n != 0 {
		t.Errorf("the reviewer is offered the county approval (%d forms, %v)", n, err)
	}

	// What the service computes for the last step, just before it.
	svc := claims.New(dc.DB, claims.Options{})
	director := dc.actor(t, "director")
	est, err := svc.Preview(director, id)
	if err != nil {
		t.Fatal(err)
	}
	if est.FundTotal <= 0 || est.FundTotal+est.Patient != est.MedFee || est.MedFee != 150500 {
		t.Fatalf("the service's estimate: cost %v, funds %v, patient %v", est.MedFee, est.FundTotal, est.Patient)
	}
	dc.as(t, "director")
	dc.Do(t, chromedp.Navigate(dc.URL+"/claims/"+claim), chromedp.WaitVisible(css("#claim-split")))
	sameSplit(t, "estimate before the county approval", dc.split(t), splitOf(est))
	if st := dc.decide(t, claim); !strings.Contains(st, "已审批") {
		t.Fatalf("after the county approval: %q", st)
	}

	// The amounts shown are the service's: the stored result, equal to the
	// estimate, and the ledger's postings of the claim.
	shown := dc.split(t)
	got, err := svc.Get(director, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result == nil || got.Stage != claims.Approved {
		t.Fatalf("stored claim: stage %s, result %v", got.Stage, got.Result)
	}
	sameSplit(t, "approved claim", shown, splitOf(got.Result))
	sameSplit(t, "approved claim against the estimate", shown, splitOf(est))
	var expense int64
	dc.one(t, `SELECT COALESCE(SUM(p.debit - p.credit), 0) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		WHERE e.event_kind = 'claim' AND e.event_id = ? AND p.account LIKE '51%'`, []any{id}, &expense)
	if money.Fen(expense) != got.Result.FundTotal {
		t.Errorf("ledger: the claim's expense postings %v, the funds pay %v", money.Fen(expense), got.Result.FundTotal)
	}
	steps := dc.Text(t, "#claim-steps")
	for _, u := range []string{"clerk", "village", "reviewer", "director"} {
		if !strings.Contains(steps, u) {
			t.Errorf("steps lack %s: %q", u, steps)
		}
	}
	for _, st := range []string{"受理录入", "村委会调查", "乡镇审核", "县级审批"} {
		if !strings.Contains(steps, st) {
			t.Errorf("steps lack %s: %q", st, steps)
		}
	}

	// The patient's file lists the claim with the same compensation.
	dc.Do(t, chromedp.Navigate(dc.URL+"/persons/"+itoa(p.ID)+"/file"), chromedp.WaitVisible(css("#person-claims")))
	row, err := chromedp.Run(dc.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#person-claims tbody tr")]
		.filter(r => r.textContent.includes("BX`+claim+`")).flatMap(r => [...r.cells].map(c => c.textContent.trim()))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(row) < 6 {
		t.Fatalf("the person's file does not list BX%s: %q", claim, dc.Text(t, "#person-claims"))
	}
	if bill, fund := row[3], row[4]; bill != got.BillTotal.String() || fund != got.Result.FundTotal.String() ||
		!strings.Contains(row[5], "已审批") {
		t.Errorf("person file row %q: want bill %s, compensation %s, approved", row, got.BillTotal, got.Result.FundTotal)
	}
}
