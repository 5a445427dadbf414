package engine

import (
	"math/rand/v2"
	"testing"

	"ncms/internal/money"

	"ncms/internal/civil"
)

func TestClassifyLine(t *testing.T) {
	q := func(s string) Qty {
		v, err := ParseQty(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	p := func(s string) Price {
		v, err := ParsePrice(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name                          string
		line                          Line
		level                         string
		full, over, first, in, reason string
	}{
		{"SPEC 13.9 domestic joint 30%", Line{Class: ClassB, SelfPay: 3000, Qty: q("1"), Price: p("20000"), Total: y("20000")}, "county",
			"0.00", "0.00", "6000.00", "14000.00", ""},
		{"SPEC 13.9 ICU ward 20%", Line{Class: ClassB, SelfPay: 2000, Qty: q("5"), Price: p("1000"), Total: y("5000")}, "county",
			"0.00", "0.00", "1000.00", "4000.00", ""},
		{"class A fully in scope", Line{Class: ClassA, Qty: q("2"), Price: p("12.5")}, "county", "0.00", "0.00", "0.00", "25.00", ""},
		{"class C fully self-paid", Line{Class: ClassC, Qty: q("1"), Price: p("88")}, "county", "88.00", "0.00", "0.00", "0.00", "class_c"},
		{"not in the catalogue", Line{Qty: q("1"), Price: p("9")}, "county", "9.00", "0.00", "0.00", "0.00", "not_listed"},
		{"above the price ceiling, then class B 10%", Line{Class: ClassB, SelfPay: 1000, PriceCap: p("80"), Qty: q("3"), Price: p("100")}, "county",
			"0.00", "60.00", "24.00", "216.00", ""},
		{"half a box at a six-decimal price", Line{Class: ClassA, Qty: q("0.5"), Price: p("3.123457")}, "county",
			"0.00", "0.00", "0.00", "1.56", ""},
		{"not reimbursable at this level", Line{Class: ClassA, Levels: []string{"county", "city"}, Qty: q("1"), Price: p("50")}, "village",
			"50.00", "0.00", "0.00", "0.00", "level"},
		{"restricted, approved", Line{Class: ClassB, SelfPay: 500, Restricted: true, Approval: 1, Qty: q("1"), Price: p("100")}, "county",
			"0.00", "0.00", "5.00", "95.00", ""},
		{"restricted, not approved", Line{Class: ClassB, SelfPay: 500, Restricted: true, Approval: 2, Qty: q("1"), Price: p("100")}, "county",
			"100.00", "0.00", "0.00", "0.00", "not_approved"},
		{"restricted, no approval flag", Line{Class: ClassA, Restricted: true, Qty: q("1"), Price: p("100")}, "county",
			"100.00", "0.00", "0.00", "0.00", "not_approved"},
		{"refund of a class B line", Line{Class: ClassB, SelfPay: 1000, PriceCap: p("80"), Qty: q("-3"), Price: p("100")}, "county",
			"0.00", "-60.00", "-24.00", "-216.00", ""},
		{"total given, one fen off qty × price", Line{Class: ClassA, Qty: q("3"), Price: p("0.333333"), Total: y("1.01")}, "county",
			"0.00", "0.00", "0.00", "1.01", ""},
		{"class B 5% rounds half away from zero", Line{Class: ClassB, SelfPay: 500, Qty: q("1"), Price: p("0.30")}, "county",
			"0.00", "0.00", "0.02", "0.28", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := ClassifyLine(&tc.line, tc.level, civil.Date{})
			if err != nil {
				t.Fatal(err)
			}
			got := [4]string{sp.FullOwn.String(), sp.OverLimit.String(), sp.FirstSelf.String(), sp.InScope.String()}
			if got != [4]string{tc.full, tc.over, tc.first, tc.in} || sp.Reason.String() != tc.reason {
				t.Errorf("got %v %q, want %v %q", got, sp.Reason, [4]string{tc.full, tc.over, tc.first, tc.in}, tc.reason)
			}
			if sp.Total != sp.FullOwn+sp.OverLimit+sp.FirstSelf+sp.InScope {
				t.Errorf("parts do not add up to %s", sp.Total)
			}
		})
	}
}

func TestClassifyLineErrors(t *testing.T) {
	bad := []Line{
		{Class: ClassA, Qty: 10000, Price: 5_000_000, Total: y("7.00")}, // 5 ≠ 7
		{Class: ClassA, Qty: -10000, Total: y("5.00")},                  // signs differ
		{Class: ClassA, Qty: 10000, Approval: 3, Total: y("5.00")},
		{Class: ClassA, Qty: 10000, Price: -1},
		{Class: ClassA, Qty: 10000, Total: MaxLineTotal + 1},
	}
	for i, l := range bad {
		if _, err := ClassifyLine(&l, "county", civil.Date{}); err == nil {
			t.Errorf("line %d: want an error", i)
		}
	}
}

func TestPreAdmissionDays(t *testing.T) {
	s := load(t, "yinjiang")
	in := visit("inpatient", "county", inscopeLine("1", "1000"), inscopeLine("2", "100"), inscopeLine("3", "100"))
	in.Visit.Start = d("2019-05-10")
	in.Lines[1].Date = d("2019-05-07") // 3 days before: counts
	in.Lines[2].Date = d("2019-05-06") // 4 days before: self-paid
	r := calc1(t, s, &in)
	if r.InScope != y("1100") || r.Lines[2].Reason != BeforeAdmission {
		t.Fatalf("in scope %s, line 3 %+v", r.InScope, r.Lines[2])
	}
}

func TestQtyPriceText(t *testing.T) {
	for _, s := range []string{"0.5", "12", "-3.25", "0.0001"} {
		q, err := ParseQty(s)
		if err != nil || q.String() != s {
			t.Errorf("qty %q -> %v %q", s, err, q.String())
		}
	}
	for _, s := range []string{"1e3", "0.00001", "", ".", "1.", "abc", "99999999999999999999"} {
		if _, err := ParseQty(s); err == nil {
			t.Errorf("qty %q: want error", s)
		}
	}
	p, _ := ParsePrice("3.123457")
	if p.String() != "3.123457" || Price(5_000_000).String() != "5.00" {
		t.Errorf("price text %q", p.String())
	}
}

// TestNearAmountMatchesDivision cross-checks the division-free tolerance
// test against Amount on random and boundary values.
func TestNearAmountMatchesDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		q := Qty(r.Int64N(2_000_000_000) - 1_000_000_000)
		p := Price(r.Int64N(100_000_000_000))
		if i%3 == 0 {
			q, p = Qty(r.Int64N(200000)-100000), Price(r.Int64N(1000)*5_000_000) // many exact halves
		}
		if q == 0 || p == 0 {
			continue
		}
		a := Amount(q, p)
		for _, d := range []money.Fen{-3, -2, -1, 0, 1, 2, 3} {
			total := a + d
			if total > MaxLineTotal || total < -MaxLineTotal {
				continue
			}
			want := d >= -1 && d <= 1
			if got := nearAmount(q, p, total); got != want {
				t.Fatalf("q %s p %s total %s (amount %s): near %v, want %v", q, p, total, a, got, want)
			}
		}
	}
}
