package engine

import (
	"encoding/json"
	"testing"

	"ncms/internal/scheme"
)

func TestWorkedCapsAndConditions(t *testing.T) {
	child := inpatient("county", 1, inscopeLine("1", "10000"))
	child.Person.Birth = d("2005-01-01")
	child.Person.Certificates = []Certificate{{Kind: "children_major", Disease: "C91"}}
	child.YTD.Pools = Pools{{"cap:annual", y("75000")}}
	outOfCounty := func(agreement bool) Input {
		in := inpatient("county", 1, inscopeLine("1", "10300"))
		in.Visit.InCounty, in.Visit.Agreement = false, agreement
		return in
	}
	moved := inpatient("county", 1, inscopeLine("1", "1000"))
	moved.Person.CoverTo = d("2013-03-31")
	cases := []workedCase{
		{"Chongqing tier 2, 108,000 paid: 2,000 left of 110,000", "chongqing-2013",
			withPools(inpatient("county", 2, inscopeLine("1", "10000")), Pool{"cap:annual", y("108000")}), want{basic: "2000.00"}},
		{"Chongqing child with a children's major certificate: cap 100,000, 75,000 paid", "chongqing-2013", child, want{basic: "5820.00"}},
		{"out of county with agreement 55%", "one-stop", outOfCounty(true), want{basic: "5500.00"}},
		{"out of county without agreement 50%", "one-stop", outOfCounty(false), want{basic: "5000.00"}},
		{"moved out before the visit", "chongqing-2013", withVisit(moved, func(v *Visit) { v.Start = d("2013-04-01") }),
			want{basic: "0.00", denied: "not_covered"}},
	}
	runWorked(t, cases)
}

// inlineScheme exercises rule options the reference schemes do not use.
const inlineScheme = `scheme: inline
period: {from: 2024-01-01, to: 2024-12-31}
levels: {township: 1, county: 2}
certificates: [chronic]
kinds:
  chronic: {certificate: chronic}
  delivery: {admission: true}
  inpatient: {admission: true}
ratios:
  - when: {kind: chronic}
    ratio: 50%
  - when: {kind: inpatient}
    ratio: 100%
caps:
  - {name: per-disease, when: {kind: chronic}, per: disease, amount: 300}
  - {name: per-visit, when: {kind: chronic}, period: visit, amount: 250}
fixed:
  - when: {kind: delivery}
    items: [{name: 分娩, amount: 600}]
    after_public_health: false
assistance:
  - {when: {category: low_income}, base: inscope, threshold: 100, ratio: 50%, annual_cap: 1000}
backstop:
  - {when: {category: low_income}, base: inscope, max_per_year: 150}
`

func TestInlineRuleKinds(t *testing.T) {
	s, err := scheme.Parse("inline.yaml", []byte(inlineScheme))
	if err != nil {
		t.Fatal(err)
	}
	run := func(in Input) *Result {
		t.Helper()
		if in.Visit.Start.IsZero() {
			in.Visit.Start = d("2024-04-01")
		}
		return calc1(t, s, &in)
	}
	chronic := visit("chronic", "township", inscopeLine("1", "1000"))
	chronic.Person.Certificates = []Certificate{{Kind: "chronic", Disease: "I10"}, {Kind: "chronic", Disease: "E11"}}
	chronic.Visit.Disease = "I10"
	r := run(chronic) // 50% = 500, per visit 250
	if r.Basic != y("250") || r.Delta.Pools.Get("cap:per-disease#I10") != y("250") {
		t.Fatalf("per-visit cap: %s, pools %v", r.Basic, r.Delta.Pools)
	}
	chronic.YTD = r.YTD
	if r = run(chronic); r.Basic != y("50") { // 300 per disease, 250 used
		t.Fatalf("per-disease cap: %s", r.Basic)
	}
	chronic.YTD = r.YTD
	chronic.Visit.Disease = "E11" // the other disease has its own 300
	if r = run(chronic); r.Basic != y("250") {
		t.Fatalf("second disease: %s", r.Basic)
	}

	delivery := visit("delivery", "county", inscopeLine("1", "1000"))
	delivery.Visit.PublicHealth = y("700")
	if r = run(delivery); r.Basic != y("600") || r.PublicHealth != y("400") || r.Patient != 0 {
		t.Fatalf("fixed before public health: basic %s ph %s patient %s", r.Basic, r.PublicHealth, r.Patient)
	}

	poor := visit("inpatient", "county", inscopeLine("1", "1000"), Line{ID: "2", Class: ClassB, SelfPay: 5000, Qty: 10000, Total: y("1000")})
	poor.Person.Categories = []string{"low_income"}
	// basic 100% of in-scope 1,500 = 1,500; in-scope own 0 → no assistance, no backstop
	if r = run(poor); r.Basic != y("1500") || r.Assistance != 0 || r.Backstop != 0 {
		t.Fatalf("poor 1: %+v", r)
	}
	poor.Visit.Kind = "chronic"
	poor.Person.Certificates = []Certificate{{Kind: "chronic", Disease: "I10"}}
	poor.Visit.Disease = "I10"
	// chronic 50% of 1,500 = 750 → per-visit cap 250; in-scope own 1,250;
	// assistance (1,250 − 100) × 50% = 575; backstop: own in scope 675, may bear 150 a year → 525
	r = run(poor)
	if r.Basic != y("250") || r.Assistance != y("575") || r.Backstop != y("525") || r.Patient != y("650") {
		t.Fatalf("poor 2: basic %s assistance %s backstop %s patient %s", r.Basic, r.Assistance, r.Backstop, r.Patient)
	}
	poor.YTD = r.YTD
	poor.Visit.Disease = "I10"
	r = run(poor) // per-disease 300 − 250 = 50; assistance 675 limited to 1,000 − 575 = 425; backstop: year used up, pays 1,025
	if r.Basic != y("50") || r.Assistance != y("425") || r.Backstop != y("1025") {
		t.Fatalf("poor 3: basic %s assistance %s backstop %s", r.Basic, r.Assistance, r.Backstop)
	}
}

func TestYTDJSONRoundTrip(t *testing.T) {
	s := load(t, "one-stop")
	in := visit("outpatient", "village", inscopeLine("1", "40"))
	in.Visit.Start = d("2024-02-02")
	r := calc1(t, s, &in)
	b, err := json.Marshal(r.YTD)
	if err != nil {
		t.Fatal(err)
	}
	var back YTD
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(r.YTD) {
		t.Fatalf("round trip: %v\n%s\n%+v", err, b, back)
	}
	if back.Pools.Get("cap:village-day@2024-02-02") != y("15") {
		t.Fatalf("day pool missing: %s", b)
	}
}
