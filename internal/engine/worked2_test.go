package engine

import (
	"testing"
)

func visit(kind, level string, lines ...Line) Input {
	return Input{
		Person: Person{Tier: 1, Birth: d("1970-06-01"), HouseholdMembers: 1},
		Visit:  Visit{Kind: kind, Level: level, InCounty: true, Referral: true},
		Lines:  lines,
	}
}

func withPerson(in Input, f func(p *Person)) Input { f(&in.Person); return in }
func withVisit(in Input, f func(v *Visit)) Input   { f(&in.Visit); return in }

func chronicCerts(n int) []Certificate {
	codes := []string{"I10", "E11", "J44"}
	var out []Certificate
	for i := 0; i < n; i++ {
		out = append(out, Certificate{Kind: "chronic", Disease: codes[i]})
	}
	return out
}

func TestWorkedOutpatientAndFixed(t *testing.T) {
	chronic := func(n int, pools ...Pool) Input {
		in := visit("chronic", "township", inscopeLine("1", "2000"))
		in.Person.Certificates = chronicCerts(n)
		in.Visit.Disease = "I10"
		in.YTD.Pools = pools
		return in
	}
	delivery := func(total, ph string) Input {
		in := visit("delivery", "county", inscopeLine("1", total))
		in.Person.Sex = "2"
		in.Visit.PublicHealth = y(ph)
		return in
	}
	village := func(days int, total string, pools ...Pool) Input {
		in := visit("outpatient", "village", inscopeLine("1", total))
		in.Visit.Days = days
		in.YTD.Pools = pools
		return in
	}
	household := func(members int, used string) Input {
		in := visit("outpatient", "township", inscopeLine("1", "200"))
		in.Person.HouseholdMembers = members
		in.Household.Pools = Pools{{"cap:household-outpatient", y(used)}}
		return in
	}
	cases := []workedCase{
		{"chronic one disease: 80% of 2,000 limited to 1,000", "chongqing-2013", chronic(1), want{basic: "1000.00", ded: "0.00"}},
		{"chronic two diseases: limit 1,000 + 200", "chongqing-2013", chronic(2), want{basic: "1200.00"}},
		{"chronic three diseases, 1,300 used: 100 left", "chongqing-2013", chronic(3, Pool{"cap:chronic", y("1300")}), want{basic: "100.00"}},
		{"chronic without certificate is denied", "chongqing-2013", chronic(0), want{basic: "0.00", patient: "2000.00", denied: "no_certificate"}},
		{"delivery 100 + 400", "chongqing-2013", delivery("3000", "0"), want{basic: "500.00", patient: "2500.00"}},
		{"delivery after a public-health subsidy of 2,800", "chongqing-2013", delivery("3000", "2800"), want{basic: "200.00", ph: "2800.00", patient: "0.00"}},
		{"SPEC 13.6 S5 outpatient 200 × 30%", "shandong-s5", visit("outpatient", "township", inscopeLine("1", "200")), want{basic: "60.00"}},
		{"S5 household cap 90 × 3 members, 250 used", "shandong-s5", household(3, "250"), want{basic: "20.00"}},
		{"S5 household cap 90 × 4 members, 250 used", "shandong-s5", household(4, "250"), want{basic: "60.00"}},
		{"village clinic 1 day: 15 a day", "one-stop", village(1, "40"), want{basic: "15.00"}},
		{"SPEC 13.9 village clinic 8 days × 15 = 120, capped to 100 a year", "one-stop", village(8, "400"), want{basic: "100.00"}},
		{"village clinic, 95 used this year: 5 left", "one-stop", village(1, "40", Pool{"cap:village-year", y("95")}), want{basic: "5.00"}},
		{"Chongqing outpatient quota 60, no ratio", "chongqing-2013", visit("outpatient", "township", inscopeLine("1", "80")), want{basic: "60.00"}},
		{"Chongqing outpatient quota 60 + 30 carried over", "chongqing-2013",
			withPerson(visit("outpatient", "township", inscopeLine("1", "80")), func(p *Person) { p.Carryover = y("30") }), want{basic: "80.00"}},
	}
	runWorked(t, cases)
}

func TestWorkedLayers(t *testing.T) {
	baiyun := visit("inpatient", "township", Line{ID: "1", Class: ClassC, Qty: 10000, Total: y("10000")})
	old := func(age int, total string) Input {
		in := visit("inpatient", "county", inscopeLine("1", total))
		in.Person.Birth = d("2019-05-01").AddDays(-365*age - age/4 - 1)
		in.Visit.Start = d("2019-05-01")
		return in
	}
	poor := func(cat string) Input {
		in := visit("inpatient", "county", inscopeLine("1", "20300"), Line{ID: "2", Class: ClassC, Qty: 10000, Total: y("1000")})
		in.Person.Categories = []string{cat}
		return in
	}
	cases := []workedCase{
		{"SPEC 13.8 Baiyun secondary: 10,000 self-paid → 1,200", "baiyun-5", baiyun, want{basic: "0.00", cat: "1200.00", patient: "8800.00"}},
		{"Baiyun first compensation capped at 2,500", "baiyun-5", visit("inpatient", "township", inscopeLine("1", "20000")), want{basic: "2500.00"}},
		{"Yinjiang age 59, year under 10,000: 70 + 10", "yinjiang", old(59, "5000"), want{basic: "4000.00"}},
		{"Yinjiang age 59, 20,000: 70%", "yinjiang", old(59, "20000"), want{basic: "14000.00"}},
		{"Yinjiang age 66, 20,000: 70 + 10 (age band)", "yinjiang", old(66, "20000"), want{basic: "16000.00"}},
		{"Yinjiang age 86, 20,000: 70 + 30", "yinjiang", old(86, "20000"), want{basic: "20000.00"}},
		{"Yinjiang age 86, 5,000: 70 + 10 + 30 capped at 100%", "yinjiang", old(86, "5000"), want{basic: "5000.00"}},
		// county: deductible 300, 75%: basic (20,300 − 300) × 75% = 15,000; own in scope 5,300, policy 5,300, all 6,300
		{"one-stop non-poor: own policy share 5,300 below 10,000", "one-stop", poor("migrant"), want{basic: "15000.00", cat: "0.00", patient: "6300.00"}},
		{"one-stop low income: assistance 70% of everything left", "one-stop", poor("low_income"), want{basic: "15000.00", assist: "4410.00", patient: "1890.00"}},
		// registered poor: deductible 150, ratio 80%: (20,300 − 150) × 80% = 16,120; own 4,180 + 1,000;
		// catastrophic over 5,000 at 60%: policy share 4,180 → 0; backstop: max 10% of 21,300 = 2,130
		{"one-stop registered poor: backstop caps the share at 10%", "one-stop", poor("registered_poor"),
			want{basic: "16120.00", ded: "150.00", cat: "0.00", backstop: "3050.00", patient: "2130.00"}},
	}
	runWorked(t, cases)
}

// TestCatastrophicThirdAdmission: each admission leaves 4,000 of own
// in-scope share; the layer starts paying only when the year's total passes
// 10,000, on the third admission.
func TestCatastrophicThirdAdmission(t *testing.T) {
	s := load(t, "one-stop")
	in := visit("inpatient", "county", inscopeLine("1", "15100")) // 300 + 25% × 14,800 = 4,000 own
	in.Visit.Start = d("2024-03-01")
	wantCat := []string{"0.00", "0.00", "1000.00", "2000.00"}
	for i, w := range wantCat {
		r := calc1(t, s, &in)
		if r.Catastrophic.String() != w || r.Basic != y("11100") {
			t.Fatalf("admission %d: basic %s catastrophic %s, want 11100.00 / %s", i+1, r.Basic, r.Catastrophic, w)
		}
		if r.YTD.Admissions != i+1 {
			t.Fatalf("admissions = %d", r.YTD.Admissions)
		}
		in.YTD = r.YTD
		in.Visit.Start = in.Visit.Start.AddDays(30)
	}
}

// TestYearlyDeductibleHighestLevel: Chongqing major-disease outpatient pays
// the deductible once a year at the highest level used.
func TestYearlyDeductibleHighestLevel(t *testing.T) {
	s := load(t, "chongqing-2013")
	in := visit("major", "county", inscopeLine("1", "1000"))
	in.Person.Certificates = []Certificate{{Kind: "major", Disease: "C50"}}
	in.Visit.Disease = "C50"
	in.Visit.Start = d("2013-02-01")
	steps := []struct{ level, ded, basic string }{
		{"county", "300.00", "420.00"}, // (1,000 − 300) × 60%
		{"county", "0.00", "600.00"},   // already paid
		{"level3", "500.00", "200.00"}, // level 3: 800 − 300 more; (1,000 − 500) × 40%
		{"township", "0.00", "800.00"}, // 80%
	}
	for i, st := range steps {
		in.Visit.Level = st.level
		r := calc1(t, s, &in)
		if r.Deductible.String() != st.ded || r.Basic.String() != st.basic {
			t.Fatalf("visit %d at %s: deductible %s basic %s, want %s / %s", i+1, st.level, r.Deductible, r.Basic, st.ded, st.basic)
		}
		in.YTD = r.YTD
	}
}

func TestEligibility(t *testing.T) {
	late := visit("inpatient", "county", inscopeLine("1", "1000"))
	late.Person.PaidOn = d("2013-01-10") // after the window: covered from 2013-04-10
	cases := []workedCase{
		{"late payment, visit inside the 90-day wait", "chongqing-2013",
			withVisit(late, func(v *Visit) { v.Start = d("2013-04-09") }), want{basic: "0.00", denied: "not_covered"}},
		{"late payment, visit after the wait", "chongqing-2013",
			withVisit(late, func(v *Visit) { v.Start = d("2013-04-10") }), want{basic: "420.00"}},
		{"visit outside the scheme year", "chongqing-2013",
			withVisit(late, func(v *Visit) { v.Start = d("2014-01-01") }), want{denied: "out_of_period"}},
		{"injury without the village statement", "chongqing-2013",
			visit("injury", "county", inscopeLine("1", "1000")), want{basic: "0.00", denied: "no_statement"}},
		{"injury with a third party liable", "chongqing-2013",
			withVisit(visit("injury", "county", inscopeLine("1", "1000")), func(v *Visit) { v.InjuryStatement, v.ThirdParty = true, true }),
			want{denied: "third_party"}},
		{"injury with the statement", "chongqing-2013",
			withVisit(visit("injury", "county", inscopeLine("1", "1000")), func(v *Visit) { v.InjuryStatement = true }),
			want{basic: "420.00"}},
	}
	runWorked(t, cases)
}
