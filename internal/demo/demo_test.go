package demo_test

import (
	"context"
	"math"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/fund"
	"ncms/internal/institution"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// fixedNow is a day late in the year, so that most of a year has run.
var fixedNow = time.Date(2026, 11, 20, 9, 0, 0, 0, demo.China)

func build(t *testing.T, d *db.DB, seed uint64) *demo.Result {
	t.Helper()
	key, err := institution.NewKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	res, err := demo.Run(context.Background(), d, demo.Options{Seed: seed, Size: 0.04, OutpatientShare: 0.25, Key: key,
		BcryptCost: bcrypt.MinCost, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCalibration builds a small county on both engines and checks it
// against the figures docs/demo.md promises.
func TestCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a county")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res := build(t, d, 7)
		// Participation near 97% (SPEC §12: 98%).
		rate := float64(res.Enrollees) / float64(res.Persons)
		if rate < 0.95 || rate > 0.99 {
			t.Errorf("participation %.3f (%d of %d), want about 0.97", rate, res.Enrollees, res.Persons)
		}
		if res.Refused != 0 {
			t.Errorf("%d visits refused by the settlement service", res.Refused)
		}
		for _, l := range []string{"village", "township", "county", "city", "province"} {
			if res.Institutions[l] == 0 {
				t.Errorf("no %s institution", l)
			}
		}
		if res.Claims == 0 || res.Statements == 0 {
			t.Errorf("claims %d, statements %d: the month-ends did not run", res.Claims, res.Statements)
		}
		if len(res.Logins) != 9 {
			t.Errorf("%d logins, want one per role (9)", len(res.Logins))
		}
		// Average bill by level near the calibration targets: within 15%, or
		// 3.5 standard errors for small samples (bills are lognormal with a
		// coefficient of variation of about 0.55); planted visits and the
		// planted cost-growth hospital are left out.
		var skip []int64
		for _, p := range res.Planted {
			skip = append(skip, p.VisitIDs...)
		}
		for _, tg := range demo.Targets {
			n, avg := averageCost(t, d, tg.Level, tg.ClrType, res)
			if n < 10 {
				t.Errorf("%s: only %d visits", tg.Name, n)
				continue
			}
			tol := max(0.15, 3.5*0.55/math.Sqrt(float64(n)))
			if lo, hi := tg.Mean*(1-tol), tg.Mean*(1+tol); avg < lo || avg > hi {
				t.Errorf("%s: average %.2f over %d visits, want %.1f ± %.0f%%", tg.Name, avg, n, tg.Mean, tol*100)
			}
		}
		// The books balance and the fund report agrees with the settlements.
		tb, err := ledger.Balances(ctx, d, ledger.Filter{Year: res.Year}, false)
		if err != nil || !tb.Balanced || tb.Debit == 0 {
			t.Fatalf("trial balance: %v, debit %s credit %s", err, tb.Debit, tb.Credit)
		}
		r, err := fund.Build(ctx, d, res.Year)
		if err != nil {
			t.Fatal(err)
		}
		var paid int64
		if err := d.QueryRowContext(ctx, `SELECT COALESCE(SUM(fund_pay_sumamt), 0) FROM settlements`).Scan(&paid); err != nil {
			t.Fatal(err)
		}
		// The layered scheme pays its assistance layer (低保, 五保, 特困 people:
		// the registry's categories reach the engine under the scheme's names).
		for _, l := range r.ByLayer {
			if l.Key == string(ledger.ExpenseAssistance) && l.Amount <= 0 {
				t.Errorf("medical assistance paid %s: the layered scheme's assistance layer never applied", l.Amount)
			}
		}
		if r.Spent <= 0 || r.IncomeSum.Due <= 0 || money.Fen(paid) <= 0 || money.Fen(paid) > r.Spent+r.Deductions {
			t.Errorf("fund report: raised %s spent %s; settlements paid %s", r.IncomeSum.Due, r.Spent, money.Fen(paid))
		}
	})
}

// averageCost is the mean bill of real (unplanted) settlements of a level
// and clearing type.
func averageCost(t *testing.T, d *db.DB, level, clr string, res *demo.Result) (int, float64) {
	t.Helper()
	grow := ""
	for _, p := range res.Planted {
		if p.Pattern == demo.PatternCostGrowth {
			grow = p.Institution
		}
	}
	var n int
	var sum int64
	err := d.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(s.medfee_sumamt), 0) FROM settlements s
		JOIN institutions i ON i.id = s.institution_id JOIN visits v ON v.id = s.visit_id
		WHERE i.level = ? AND s.clr_type = ? AND v.med_type IN ('11', '21') AND i.name <> ? AND v.ipt_otp_no NOT LIKE 'P%'`,
		level, clr, grow).Scan(&n, &sum)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		return 0, 0
	}
	return n, float64(sum) / 100 / float64(n)
}

// TestDeterministic: the same seed gives the same totals.
func TestDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two counties")
	}
	totals := func(seed uint64) [5]int64 {
		d := dbtest.SQLite(t)
		res := build(t, d, seed)
		var out [5]int64
		out[0] = int64(res.Visits)
		err := d.QueryRowContext(context.Background(), `SELECT COUNT(*), SUM(medfee_sumamt), SUM(fund_pay_sumamt), SUM(hifmi_pay)
			FROM settlements`).Scan(&out[1], &out[2], &out[3], &out[4])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := totals(3), totals(3)
	if a != b {
		t.Errorf("same seed, different totals: %v vs %v", a, b)
	}
	if c := totals(4); c == a {
		t.Errorf("different seeds, same totals %v", c)
	}
}
