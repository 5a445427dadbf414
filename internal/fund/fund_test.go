package fund_test

import (
	"context"
	"testing"
	"time"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
	"ncms/internal/fund"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// Pan county (SPEC §13.1): 947,387 enrollees × (individual 30 + all levels
// of government 200) = 21,789.9万 raised; risk reserve 5% = 1,089.5万;
// usable 20,700.4万; monthly plan 1,725.03万; six months' compensation
// 4,521.32万 (outpatient 303.06万 = 6.7%, inpatient 4,218.26万) = 43.68% of
// plan = 21.84% of usable.
//
// Three households (9 people) enroll through the desk; the other 947,378
// enrollees are one aggregate receipt entry (the benchmark enrolls real rows).
func TestPanCountyFundReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		paid := civil.New(2025, 10, 10)
		for _, n := range []int{3, 4, 2} {
			w.house(t, n, paid)
		}
		const total = 947387
		rest := int64(total - 9)
		post(t, d, ledger.ForContribution(2026, civil.New(2025, 12, 20), 0, "其余参合人员汇总 aggregate of the other enrollees",
			[]ledger.SourceAmount{{Source: "individual", Amount: money.Yuan(30) * money.Fen(rest)},
				{Source: "government", Amount: money.Yuan(200) * money.Fen(rest)}}))

		a := must(w.f.Allocate(w.finance, fund.AllocateInput{Year: 2026, ReserveRate: 500, On: civil.New(2026, 1, 5)}))(t)
		checkFen(t, "raised", a.Raised, "217899010.00")
		checkFen(t, "risk reserve", a.Reserve, "10894950.50")
		checkFen(t, "usable", a.Usable, "207004059.50")
		checkFen(t, "monthly plan", a.MonthlyPlan, "17250338.29") // 207,004,059.50 ÷ 12 = 17,250,338.291…

		// Six months of compensation: 303.06万 outpatient, 4,218.26万 inpatient.
		out, in := money.MustParse("3030600"), money.MustParse("42182600")
		for m := time.Month(1); m <= 6; m++ {
			o, i := money.Share(out, 1, 6), money.Share(in, 1, 6)
			if m == 6 {
				o, i = out-5*money.Share(out, 1, 6), in-5*money.Share(in, 1, 6)
			}
			post(t, d, ledger.ForSettlement(ledger.Settlement{Year: 2026, Date: civil.New(2026, m, 28), Institution: 1, VisitKind: "outpatient", Layers: ledger.Layers{Basic: o}}))
			post(t, d, ledger.ForSettlement(ledger.Settlement{Year: 2026, Date: civil.New(2026, m, 28), Institution: 2, VisitKind: "inpatient", Layers: ledger.Layers{Basic: i}}))
		}

		r := must(w.f.Report(w.finance, 2026))(t)
		want := map[string]string{
			"raised 万":        fund.Wan(r.IncomeSum.Due, 1),
			"individual 万":    fund.Wan(line(r, "individual").Due, 2),
			"government 万":    fund.Wan(line(r, "government").Due, 2),
			"risk reserve 万":  fund.Wan(r.Allocation.Reserve, 1),
			"usable 万":        fund.Wan(r.Allocation.Usable, 1),
			"monthly plan 万":  fund.Wan(r.Allocation.MonthlyPlan, 2),
			"spent 万":         fund.Wan(r.Spent, 2),
			"6-month vs plan": fund.Percent(r.Months[5].CumRate),
			"of usable":       fund.Percent(r.Utilization),
		}
		for k, v := range map[string]string{"raised 万": "21,789.9", "individual 万": "2,842.16", "government 万": "18,947.74",
			"risk reserve 万": "1,089.5", "usable 万": "20,700.4", "monthly plan 万": "1,725.03", "spent 万": "4,521.32",
			"6-month vs plan": "43.68%", "of usable": "21.84%"} {
			if want[k] != v {
				t.Errorf("%s = %s, want %s", k, want[k], v)
			}
		}
		if r.Enrollees != 9 {
			t.Errorf("enrollees in the table = %d, want the 9 enrolled at the desk", r.Enrollees)
		}
		if len(r.ByKind) != 2 || r.ByKind[1].Key != "outpatient" || fund.Percent(fund.Ratio(r.ByKind[1].Amount, r.Spent)) != "6.70%" {
			t.Errorf("by kind %+v: outpatient should be 6.70%% of spending", r.ByKind)
		}
		if r.Months[0].Plan != a.MonthlyPlan || len(r.Months) != 12 {
			t.Errorf("months %+v", r.Months)
		}
		tb := must(ledger.Balances(context.Background(), d, ledger.Filter{}, false))(t)
		if !tb.Balanced {
			t.Errorf("trial balance %s ≠ %s", tb.Debit, tb.Credit)
		}
	})
}

// Arrivals: received against due per source, arrival rate and late days
// (SPEC §4: a share due by 31 March and paid on 7 April is 7 days late);
// a reversed arrival counts for nothing.
func TestIncomeBySourceFromArrivals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.house(t, 3, civil.New(2025, 10, 10)) // due: individual 90, government 600
		arr := func(amt string, due, on civil.Date) enroll.Arrival {
			return must(w.en.RecordArrival(w.finance, enroll.ArrivalInput{Year: 2026, Source: enroll.Government,
				Amount: money.MustParse(amt), DueDate: due, ArrivedOn: on, Reference: "拨款"}))(t)
		}
		arr("300", civil.New(2026, 3, 31), civil.New(2026, 3, 20))
		arr("222", civil.New(2026, 3, 31), civil.New(2026, 4, 7))
		bad := arr("999", civil.New(2026, 3, 31), civil.New(2026, 5, 30))
		must(w.en.ReverseArrival(w.finance, bad.ID, "录入错误"))(t)

		r := must(w.f.Report(w.finance, 2026))(t)
		g := line(r, "government")
		if g.Due != money.Yuan(600) || g.Received != money.Yuan(522) || g.Outstanding != money.Yuan(78) ||
			fund.Percent(g.Rate) != "87.00%" || g.LateDays != 7 {
			t.Errorf("government line %+v, want due 600 received 522 (87.00%%) 7 days late", g)
		}
		ind := line(r, "individual")
		if ind.Due != money.Yuan(90) || ind.Received != money.Yuan(90) {
			t.Errorf("individual line %+v", ind)
		}
		tb := must(ledger.Balances(context.Background(), d, ledger.Filter{Year: 2026}, true))(t)
		for _, row := range tb.Rows {
			if row.Account.Code == ledger.Receivable && row.Key == "government" && row.Balance != money.Yuan(78) {
				t.Errorf("receivable government = %s, want 78.00", row.Balance)
			}
			if row.Account.Code == ledger.Bank && row.Balance != money.Yuan(612) {
				t.Errorf("bank = %s, want 90 + 522 = 612.00", row.Balance)
			}
		}
	})
}

// Shandong audit (SPEC §13.5): cumulative surplus 25,590,845.04 ÷ year's
// fund 62,049,080 = 41.24% against the 25% limit 15,512,270: excess
// 10,078,575.04. The balance is made of 10,000,000.00 brought forward, the
// year's fund and 46,458,234.96 of compensation net of a deduction.
func TestShandongSurplusAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const year = 2015
		must(w.f.RecordOpening(w.finance, fund.EventInput{Year: year, Amount: money.MustParse("10000000.00"), On: civil.New(2015, 1, 1), Reference: "上年结转"}))(t)
		post(t, d, ledger.ForContribution(year, civil.New(2014, 12, 20), 0, "year's fund",
			[]ledger.SourceAmount{{Source: "individual", Amount: money.MustParse("8000000.00")},
				{Source: "government", Amount: money.MustParse("54049080.00")}}))
		post(t, d, ledger.ForSettlement(ledger.Settlement{Year: year, Date: civil.New(2015, 6, 30), Institution: 7, VisitKind: "inpatient",
			Layers: ledger.Layers{Basic: money.MustParse("40000000.00"), Catastrophic: money.MustParse("6500000.00")}}))
		post(t, d, ledger.ForDeduction(year, civil.New(2015, 7, 25), 1, 7, money.MustParse("41765.04"), "违规"))

		r := must(w.f.Report(w.finance, year))(t)
		checkFen(t, "balance", r.Balance, "25590845.04")
		checkFen(t, "limit", r.CumulativeLimit, "15512270.00")
		checkFen(t, "excess", r.Excess, "10078575.04")
		checkFen(t, "spent", r.Spent, "46458234.96")
		if fund.Percent(r.CumulativeRatio) != "41.24%" || fund.Yuan(r.Excess) != "10,078,575.04" {
			t.Errorf("cumulative %s excess %s, want 41.24%% and 10,078,575.04", fund.Percent(r.CumulativeRatio), fund.Yuan(r.Excess))
		}
		if fund.Percent(r.YearSurplusRatio) != "25.13%" || !r.YearSurplusOver { // 15,590,845.04 ÷ 62,049,080
			t.Errorf("same-year surplus %s over=%v, want 25.13%% over the 15%% limit", fund.Percent(r.YearSurplusRatio), r.YearSurplusOver)
		}
	})
}

func TestComputeAndWan(t *testing.T) {
	a := fund.Compute(money.MustParse("38736600.00"), 387366, 1000, []fund.PoolSpec{{Code: "outpatient", PerEnrollee: money.Yuan(30)}})
	// S2: 387,366 × 30 outpatient pool = 11,620,980.00; 10% reserve 3,873,660.00.
	checkFen(t, "pool", a.PoolTotal, "11620980.00")
	checkFen(t, "reserve", a.Reserve, "3873660.00")
	checkFen(t, "general", a.General, "23241960.00")
	for _, c := range []struct {
		f      money.Fen
		places int
		want   string
	}{{money.MustParse("10894950.50"), 1, "1,089.5"}, {money.MustParse("-1234.56"), 2, "-0.12"}, {0, 0, "0"}, {money.MustParse("49999.99"), 0, "5"}} {
		if got := fund.Wan(c.f, c.places); got != c.want {
			t.Errorf("Wan(%s, %d) = %s, want %s", c.f, c.places, got, c.want)
		}
	}
}

func line(r fund.Report, src string) fund.SourceLine {
	for _, l := range r.Income {
		if l.Source == src {
			return l
		}
	}
	return fund.SourceLine{}
}

func checkFen(t *testing.T, what string, got money.Fen, want string) {
	t.Helper()
	if got != money.MustParse(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// A cancelled enrollment mirrors its receipt: income, bank and receivable
// go back to zero, and the books still balance.
func TestCancellationReversesIncome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		rc := w.house(t, 3, civil.New(2025, 10, 10))
		if got := must(fund.Raised(context.Background(), d, 2026))(t); got != money.Yuan(690) {
			t.Fatalf("raised = %s, want 3 × 230 = 690.00", got)
		}
		must(w.en.Cancel(w.clerk, enroll.CancelInput{PaymentID: rc.PaymentID, Reason: "重复参保", On: civil.New(2025, 11, 1)}))(t)
		tb := must(ledger.Balances(context.Background(), d, ledger.Filter{Year: 2026}, false))(t)
		for _, r := range tb.Rows {
			if r.Balance != 0 {
				t.Errorf("%s balance %s after cancellation, want 0", r.Account.Code, r.Balance)
			}
		}
		if !tb.Balanced || tb.Debit != money.Yuan(690*2) {
			t.Errorf("trial balance %+v", tb)
		}
	})
}
