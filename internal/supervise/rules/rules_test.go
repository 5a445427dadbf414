package rules

import (
	"testing"

	"ncms/internal/civil"
	"ncms/internal/money"
)

func d(s string) civil.Date { return civil.MustParse(s) }

// base is an inpatient bill at a township hospital: one class A drug line
// of 10 units × 5.00 = 50.00, patient a man born 1960.
func base() Bill {
	return Bill{SettlementID: 10, VisitID: 100, PersonID: 7, InstitutionID: 3, Level: "township", ClrType: "21",
		Begin: d("2024-03-01"), End: d("2024-03-05"), Sex: "1", Birth: d("1960-05-01"), MedFee: money.Yuan(50),
		Lines: []Line{{ID: 1000, SN: "1", Code: "X01", Name: "阿莫西林胶囊", Kind: "drug", Class: "A", Qty: 10 * 10000,
			Price: 5_000_000, Total: money.Yuan(50), InScope: money.Yuan(50)}}}
}

func rulesOf(hs []Hit) map[string]int {
	m := map[string]int{}
	for _, h := range hs {
		m[h.Rule]++
	}
	return m
}

// TestEachRuleCatchesAndIgnoresNearMiss: for every screening rule a case it
// must catch and a near miss it must not (the base bill catches nothing).
func TestEachRuleCatchesAndIgnoresNearMiss(t *testing.T) {
	cfg := Default(2024)
	if hs := Screen(cfg, base(), Context{}); len(hs) != 0 {
		t.Fatalf("base bill: hits %+v", hs)
	}
	other := func(inst int64, begin, end string) Stay {
		return Stay{SettlementID: 20, VisitID: 200, InstitutionID: inst, Begin: d(begin), End: d(end)}
	}
	line := func(f func(l *Line)) func(b *Bill, x *Context) {
		return func(b *Bill, x *Context) { f(&b.Lines[0]) }
	}
	cases := []struct {
		rule     string
		catch    func(b *Bill, x *Context)
		nearMiss func(b *Bill, x *Context)
	}{
		{Overlap,
			// elsewhere 03-04..03-10 while here 03-01..03-05: two nights shared
			func(b *Bill, x *Context) { x.Stays = []Stay{other(9, "2024-03-04", "2024-03-10")} },
			// transferred: discharged here 03-05, admitted there 03-05
			func(b *Bill, x *Context) { x.Stays = []Stay{other(9, "2024-03-05", "2024-03-10")} }},
		{Readmission,
			// same institution, discharged 02-15, admitted again 03-01: 15 days ≤ 15
			func(b *Bill, x *Context) { x.Stays = []Stay{other(3, "2024-02-10", "2024-02-15")} },
			// 16 days after discharge (02-14 → 03-01)
			func(b *Bill, x *Context) { x.Stays = []Stay{other(3, "2024-02-10", "2024-02-14")} }},
		{Readmission + "/other-institution", // near miss: within 15 days but elsewhere
			func(b *Bill, x *Context) { x.Stays = []Stay{other(3, "2024-02-25", "2024-02-28")} },
			func(b *Bill, x *Context) { x.Stays = []Stay{other(4, "2024-02-25", "2024-02-28")} }},
		{TotalLines,
			func(b *Bill, x *Context) { b.MedFee = money.MustParse("50.01") },
			func(b *Bill, x *Context) { b.MedFee = money.MustParse("50.00") }},
		{TotalLines + "/no-lines",
			func(b *Bill, x *Context) { b.Lines = nil },
			func(b *Bill, x *Context) { b.Lines, b.MedFee = nil, 0 }},
		{Duplicate,
			func(b *Bill, x *Context) {
				o := base()
				o.SettlementID, o.VisitID = 11, 101
				x.Candidates = []Bill{o}
			},
			// same day and institution, one unit more
			func(b *Bill, x *Context) {
				o := base()
				o.SettlementID, o.VisitID = 11, 101
				o.Lines = []Line{o.Lines[0]}
				o.Lines[0].Qty, o.Lines[0].Total, o.MedFee = 11*10000, money.Yuan(55), money.Yuan(55)
				x.Candidates = []Bill{o}
			}},
		{Duplicate + "/invoice",
			func(b *Bill, x *Context) {
				o := base()
				o.SettlementID, o.VisitID, o.MedFee, o.Lines, o.Invoice = 11, 101, money.Yuan(80), nil, "INV-1"
				b.Invoice = "INV-1"
				x.Candidates = []Bill{o}
			},
			func(b *Bill, x *Context) {
				o := base()
				o.SettlementID, o.VisitID, o.MedFee, o.Lines, o.Invoice = 11, 101, money.Yuan(80), nil, "INV-2"
				b.Invoice = "INV-1"
				x.Candidates = []Bill{o}
			}},
		{OverTier,
			line(func(l *Line) { l.Levels = []string{"county", "city"} }),
			line(func(l *Line) { l.Levels = []string{"township", "county"} })},
		{ClassC,
			line(func(l *Line) { l.Class, l.InScope = "C", 0 }),
			line(func(l *Line) { l.Class, l.InScope, l.Approval = "C", 0, 1 })},
		{OverCeiling,
			line(func(l *Line) { l.PriceCap = 4_990_000 }),
			line(func(l *Line) { l.PriceCap = 5_000_000 })},
		{Markup,
			// reference 4.34: 4.34 × 1.15 = 4.991 < 5.00
			line(func(l *Line) { l.RefPrice = 4_340_000 }),
			// reference 4.35: 4.35 × 1.15 = 5.0025 ≥ 5.00
			line(func(l *Line) { l.RefPrice = 4_350_000 })},
		{Markup + "/herbal",
			// herbal pieces: 25%: reference 3.99 × 1.25 = 4.9875 < 5.00
			line(func(l *Line) { l.RefPrice, l.FeeType = 3_990_000, "11" }),
			line(func(l *Line) { l.RefPrice, l.FeeType = 4_000_000, "11" })},
		{SexAge,
			line(func(l *Line) { l.Name = "子宫附件彩超" }),
			func(b *Bill, x *Context) { b.Lines[0].Name, b.Sex = "子宫附件彩超", "2" }},
		{SexAge + "/age",
			// delivery for a woman of 56
			func(b *Bill, x *Context) { b.Lines[0].Name, b.Sex, b.Birth = "阴式分娩", "2", d("1968-02-01") },
			func(b *Bill, x *Context) { b.Lines[0].Name, b.Sex, b.Birth = "阴式分娩", "2", d("1969-03-01") }},
		{LargeRx,
			func(b *Bill, x *Context) { b.ClrType, b.End = "11", civil.Date{}; b.Lines[0].Qty = 61 * 10000 },
			func(b *Bill, x *Context) { b.ClrType, b.End = "11", civil.Date{}; b.Lines[0].Qty = 60 * 10000 }},
		{LargeRx + "/amount",
			func(b *Bill, x *Context) {
				b.ClrType, b.End, b.MedFee = "11", civil.Date{}, money.MustParse("500.01")
				b.Lines[0].Total, b.Lines[0].Qty, b.Lines[0].Price = money.MustParse("500.01"), 10000, 500_010_000
			},
			func(b *Bill, x *Context) {
				b.ClrType, b.End, b.MedFee = "11", civil.Date{}, money.Yuan(500)
				b.Lines[0].Total, b.Lines[0].Qty, b.Lines[0].Price = money.Yuan(500), 10000, 500_000_000
			}},
	}
	for _, c := range cases {
		rule := c.rule
		for i, r := range rule {
			if r == '/' {
				rule = rule[:i]
				break
			}
		}
		t.Run(c.rule, func(t *testing.T) {
			b, x := base(), Context{}
			c.catch(&b, &x)
			got := rulesOf(Screen(cfg, b, x))
			if got[rule] != 1 {
				t.Errorf("catch: rule %s hit %d times (all hits %v)", rule, got[rule], got)
			}
			b, x = base(), Context{}
			c.nearMiss(&b, &x)
			if got := rulesOf(Screen(cfg, b, x)); got[rule] != 0 {
				t.Errorf("near miss: rule %s hit (all hits %v)", rule, got)
			}
			// switched off, the rule is silent
			off := Default(2024)
			off.Rules[rule] = Setting{}
			b, x = base(), Context{}
			c.catch(&b, &x)
			if got := rulesOf(Screen(off, b, x)); got[rule] != 0 {
				t.Errorf("disabled: rule %s still hit", rule)
			}
		})
	}
}

func TestAmounts(t *testing.T) {
	l := base().Lines[0]
	l.PriceCap = 4_500_000 // 0.50 over × 10 units = 5.00
	if amt, ok := AboveCeiling(l); !ok || amt != money.Yuan(5) {
		t.Errorf("AboveCeiling = %s %v, want 5.00", amt, ok)
	}
	l = base().Lines[0]
	l.RefPrice = 4_000_000 // max 4.60; 0.40 over × 10 = 4.00
	if amt, ok := AboveMarkup(l, money.Percent(15), money.Percent(25)); !ok || amt != money.Yuan(4) {
		t.Errorf("AboveMarkup = %s %v, want 4.00", amt, ok)
	}
}

func TestPairKeysAreSymmetric(t *testing.T) {
	if PairKey(Overlap, 5, 9) != PairKey(Overlap, 9, 5) {
		t.Fatal("pair key depends on order")
	}
	// the later settlement sees the earlier stay; the earlier (screened in a
	// batch) sees the later: both produce the same key
	a := base()
	b := base()
	b.SettlementID, b.VisitID, b.InstitutionID, b.Begin, b.End = 20, 200, 9, d("2024-03-04"), d("2024-03-10")
	sa := Stay{SettlementID: a.SettlementID, VisitID: a.VisitID, InstitutionID: a.InstitutionID, Begin: a.Begin, End: a.End}
	sb := Stay{SettlementID: b.SettlementID, VisitID: b.VisitID, InstitutionID: b.InstitutionID, Begin: b.Begin, End: b.End}
	h1 := Screen(Default(2024), a, Context{Stays: []Stay{sb}})
	h2 := Screen(Default(2024), b, Context{Stays: []Stay{sa}})
	if len(h1) != 1 || len(h2) != 1 || h1[0].Key != h2[0].Key {
		t.Fatalf("keys differ: %+v %+v", h1, h2)
	}
}

func TestSampleReproducible(t *testing.T) {
	var ids []int64
	for i := int64(1); i <= 200; i++ {
		ids = append(ids, i*3)
	}
	a := Sample(42, ids, money.Percent(15))
	if len(a) != 30 {
		t.Fatalf("15%% of 200 = %d, want 30", len(a))
	}
	// same seed, same population in another order: same sample
	rev := make([]int64, len(ids))
	for i, x := range ids {
		rev[len(ids)-1-i] = x
	}
	b := Sample(42, rev, money.Percent(15))
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample not reproducible at %d: %d vs %d", i, a[i], b[i])
		}
	}
	c := Sample(43, ids, money.Percent(15))
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("another seed drew the same sample")
	}
	seen := map[int64]bool{}
	for _, x := range a {
		if seen[x] || x%3 != 0 {
			t.Fatalf("bad draw %d", x)
		}
		seen[x] = true
	}
	for _, c := range []struct {
		n    int
		rate money.Rate
		want int
	}{{0, money.Percent(2), 0}, {1, money.Percent(2), 1}, {49, money.Percent(2), 1}, {75, money.Percent(2), 2}, {125, money.Percent(2), 3}, {10, 0, 0}} {
		if got := SampleSize(c.n, c.rate); got != c.want {
			t.Errorf("SampleSize(%d, %s) = %d, want %d", c.n, c.rate, got, c.want)
		}
	}
}

// TestIndicators: a hand-computed month. Township hospital A: 10
// settlements, 4 stays of 20 bed-days costing 8,000.00 in all; total cost
// 9,000.00 of which drugs 4,500.00 (essential 900.00), self-paid 1,800.00,
// in scope 7,200.00, funds 5,400.00; 1 referral.
func TestIndicators(t *testing.T) {
	m := Month{InstitutionID: 1, Level: "township", Period: "2024-03", Settlements: 10, Inpatient: 4, Referrals: 1,
		BedDays: 20, Cost: money.Yuan(9000), InpCost: money.Yuan(8000), Drug: money.Yuan(4500),
		Essential: money.Yuan(900), SelfPaid: money.Yuan(1800), InScope: money.Yuan(7200), Fund: money.Yuan(5400)}
	last := Month{Inpatient: 5, InpCost: money.Yuan(8000)} // 1,600.00 a stay a year ago
	v := m.Values(&last)
	want := map[string]int64{
		HospRate: 4000, AvgStayCost: 200000, AvgBedDayCost: 40000, AvgLOS: 500, DrugShare: 5000,
		SelfPaidShare: 2000, InScopeShare: 8000, CompRatio: 6000, EssentialShr: 2000, ReferralRate: 2500,
		CostGrowth: 12500,
	}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %d, want %d", k, v[k], w)
		}
	}
	cfg := Default(2024).Indicators
	// peers: average cost per stay 1,200.00 and 1,400.00 → mean 1,300.00, ×1.5 = 1,950.00 < 2,000.00
	peers := []map[string]int64{{AvgStayCost: 120000, DrugShare: 4000}, {AvgStayCost: 140000, DrugShare: 4000}}
	flags := Judge(cfg, m, v, peers, nil)
	got := map[string]bool{}
	for _, f := range flags {
		got[f.Code+"/"+f.Basis] = true
	}
	for _, k := range []string{AvgStayCost + "/peers", DrugShare + "/max", CostGrowth + "/max"} {
		if !got[k] {
			t.Errorf("missing flag %s (got %v)", k, got)
		}
	}
	// near misses: drug share 50% is not above 1.5 × peers' 40% (60%);
	// self-paid 20% is not above its 20% maximum
	for _, k := range []string{DrugShare + "/peers", SelfPaidShare + "/max"} {
		if got[k] {
			t.Errorf("unexpected flag %s", k)
		}
	}
	// own history: 1,500.00 a stay before; 2,000.00 > 1.3 × 1,500.00 = 1,950.00
	flags = Judge(cfg, m, v, nil, []map[string]int64{{AvgStayCost: 150000}})
	if len(flags) == 0 || !hasFlag(flags, AvgStayCost, "history") {
		t.Errorf("history flag missing: %+v", flags)
	}
	flags = Judge(cfg, m, v, nil, []map[string]int64{{AvgStayCost: 154000}}) // 1.3 × 1,540.00 = 2,002.00
	if hasFlag(flags, AvgStayCost, "history") {
		t.Errorf("near miss flagged: %+v", flags)
	}
	small := m
	small.Settlements = 4
	if len(Judge(cfg, small, v, peers, nil)) != 0 {
		t.Error("a month under MinSettlements must not be judged")
	}
}

func hasFlag(fs []Flag, code, basis string) bool {
	for _, f := range fs {
		if f.Code == code && f.Basis == basis {
			return true
		}
	}
	return false
}
