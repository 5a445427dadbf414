package engine

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"ncms/internal/money"
	"ncms/internal/scheme"
)

var allSchemes = []string{"chongqing-2013", "shandong-s5", "panyu-s4", "baiyun-5", "yinjiang", "one-stop"}

// gen makes random valid cases for a scheme.
type gen struct {
	r *rand.Rand
	s *scheme.Scheme
}

func (g gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g gen) amount(max int64) money.Fen { return money.Fen(g.r.Int64N(max*100) + 1) }

func (g gen) line(id int) Line {
	l := Line{ID: itoa64(int64(id)), Class: Class(g.r.IntN(4)), Qty: Qty(g.r.Int64N(50_0000) + 1)}
	l.Price = Price(g.r.Int64N(2000_000000) + 1)
	if g.r.IntN(4) == 0 {
		l.Qty = Qty(g.r.Int64N(3)+1) * 5000 // half units
	}
	if l.Class == ClassB {
		l.SelfPay = Ratio(g.r.Int64N(6001))
	}
	if g.r.IntN(5) == 0 {
		l.PriceCap = l.Price * Price(g.r.Int64N(120)+1) / 100
	}
	l.Essential = g.r.IntN(3) == 0
	l.Restricted = g.r.IntN(8) == 0
	l.Approval = g.r.IntN(3)
	if g.r.IntN(6) == 0 {
		l.Levels = []string{g.pick([]string{"village", "township", "county", "city"})}
	}
	if g.r.IntN(12) == 0 {
		l.Qty = -l.Qty / 2 // a refund, smaller than the rest
		if l.Qty == 0 {
			l.Qty = -1
		}
	}
	return l
}

func (g gen) input() Input {
	kinds := make([]string, len(g.s.Kinds))
	for i, k := range g.s.Kinds {
		kinds[i] = k.Code
	}
	var levels []string
	for k := range g.s.Levels {
		levels = append(levels, k)
	}
	sortStrings(levels)
	in := Input{
		Person: Person{Tier: g.r.IntN(2) + 1, Birth: g.s.From.AddDays(-g.r.IntN(90 * 365)), Sex: g.pick([]string{"1", "2"}),
			HouseholdMembers: g.r.IntN(6) + 1},
		Visit: Visit{Kind: g.pick(kinds), Level: g.pick(levels), InCounty: g.r.IntN(4) > 0, Agreement: g.r.IntN(2) == 0,
			Referral: g.r.IntN(3) > 0, Start: g.s.From.AddDays(g.r.IntN(300)), Days: g.r.IntN(10) + 1,
			Diagnoses: []string{g.pick([]string{"K35.8", "I10", "J18.9"})}, Disease: g.pick([]string{"I10", "E11", "C50"}),
			InjuryStatement: g.r.IntN(4) > 0, PublicHealth: money.Fen(g.r.IntN(3)) * 50000},
	}
	if g.r.IntN(3) == 0 {
		in.Person.Categories = []string{g.pick(scheme.StandardCategories)}
	}
	for _, c := range []string{"chronic", "major", "children_major"} {
		if g.r.IntN(3) == 0 {
			in.Person.Certificates = append(in.Person.Certificates, Certificate{Kind: c, Disease: g.pick([]string{"I10", "E11", "C50"})})
		}
	}
	if in.Person.Tier > len(g.s.Tiers) {
		in.Person.Tier = 1
	}
	n := g.r.IntN(20) + 1
	for i := 0; i < n; i++ {
		in.Lines = append(in.Lines, g.line(i))
	}
	return in
}

func sortStrings(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// forRandomYears runs a year of random visits per scheme and seed, calling
// check with each input and result.
func forRandomYears(t *testing.T, years int, check func(t *testing.T, s *scheme.Scheme, in *Input, r *Result)) {
	for _, name := range allSchemes {
		s := load(t, name)
		for seed := 0; seed < years; seed++ {
			g := gen{rand.New(rand.NewPCG(uint64(seed), 7)), s}
			var ytd, hh YTD
			base := g.input()
			for v := 0; v < 12; v++ {
				in := g.input()
				in.Person = base.Person
				in.YTD, in.Household = ytd, hh
				r, err := Calculate(s, &in, Options{Trace: v%3 == 0})
				if err != nil {
					if ae, ok := err.(interface{ Error() string }); ok && containsAny(ae.Error(), "负", "total differs") {
						continue // net-negative visit or rounding mismatch in generated data
					}
					t.Fatalf("%s seed %d visit %d: %v", name, seed, v, err)
				}
				check(t, s, &in, r)
				ytd, hh = r.YTD, r.HouseholdYTD
			}
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		for i := 0; i+len(x) <= len(s); i++ {
			if s[i:i+len(x)] == x {
				return true
			}
		}
	}
	return false
}

func TestPropertyIdentities(t *testing.T) {
	forRandomYears(t, 150, func(t *testing.T, s *scheme.Scheme, in *Input, r *Result) {
		checkIdentities(t, r)
		if t.Failed() {
			t.Fatalf("scheme %s input %+v", s.ID, in)
		}
	})
}

func TestPropertyCapsNeverExceeded(t *testing.T) {
	forRandomYears(t, 150, func(t *testing.T, s *scheme.Scheme, in *Input, r *Result) {
		c := &calc{s: s, in: in, r: r}
		c.kind = &s.Kinds[mustKind(s, in.Visit.Kind)]
		c.facts()
		for g := range s.CapNames {
			for _, i := range s.CapGroup(g) {
				cp := &s.Caps[i]
				if !cp.When.Match(&c.f) {
					continue
				}
				lim, u := c.capLimit(cp), c.capKey(cp)
				used := r.Basic
				if u.key != "" {
					used = r.YTD.Pools.Get(u.key)
					if u.household {
						used = r.HouseholdYTD.Pools.Get(u.key)
					}
				}
				if used > lim {
					t.Fatalf("%s cap %s: used %s > limit %s", s.ID, cp.Name, used, lim)
				}
				break
			}
		}
		for _, row := range s.Catastrophic {
			if row.AnnualCap > 0 && r.YTD.Catastrophic > row.AnnualCap {
				t.Fatalf("%s catastrophic %s over its cap", s.ID, r.YTD.Catastrophic)
			}
		}
		for _, row := range s.Assistance {
			if row.AnnualCap > 0 && r.YTD.Assistance > row.AnnualCap {
				t.Fatalf("%s assistance %s over its cap", s.ID, r.YTD.Assistance)
			}
		}
	})
}

func mustKind(s *scheme.Scheme, code string) int { i, _ := s.KindIndex(code); return i }

func TestPropertyReversalRestoresYTD(t *testing.T) {
	forRandomYears(t, 100, func(t *testing.T, s *scheme.Scheme, in *Input, r *Result) {
		rev := Reverse(r, r.YTD, r.HouseholdYTD)
		if !rev.YTD.Equal(in.YTD) || !rev.HouseholdYTD.Equal(in.Household) {
			t.Fatalf("%s: reversal gives %+v, want %+v", s.ID, rev.YTD, in.YTD)
		}
		if rev.FundTotal != -r.FundTotal || rev.Patient != -r.Patient || rev.MedFee != -r.MedFee {
			t.Fatalf("reversal amounts not negated")
		}
		checkIdentities(t, rev)
		back := Reverse(rev, rev.YTD, rev.HouseholdYTD)
		if !back.YTD.Equal(r.YTD) {
			t.Fatalf("reversing the reversal does not restore")
		}
	})
}

func TestPropertyLineOrderIndependent(t *testing.T) {
	forRandomYears(t, 100, func(t *testing.T, s *scheme.Scheme, in *Input, r *Result) {
		shuffled := *in
		shuffled.Lines = append([]Line(nil), in.Lines...)
		rand.New(rand.NewPCG(uint64(len(in.Lines)), 1)).Shuffle(len(shuffled.Lines), func(i, j int) {
			shuffled.Lines[i], shuffled.Lines[j] = shuffled.Lines[j], shuffled.Lines[i]
		})
		r2, err := Calculate(s, &shuffled, Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, b := *r, *r2
		a.Lines, b.Lines, a.Trace, b.Trace, a.Funds, b.Funds = nil, nil, nil, nil, nil, nil
		for _, f := range r.Funds {
			a.Funds = append(a.Funds, FundPay{Type: f.Type, Pay: f.Pay, Limit: f.Limit, InScope: f.InScope})
		}
		for _, f := range r2.Funds {
			b.Funds = append(b.Funds, FundPay{Type: f.Type, Pay: f.Pay, Limit: f.Limit, InScope: f.InScope})
		}
		clear(a.funds[:])
		clear(b.funds[:])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: result depends on line order:\n%+v\n%+v", s.ID, a, b)
		}
	})
}
