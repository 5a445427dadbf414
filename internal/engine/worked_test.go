package engine

import (
	"testing"

	"ncms/internal/money"
)

// want lists the amounts a case must produce ("" = not checked).
type want struct {
	basic, ded, cat, assist, backstop, ph, hosp, patient string
	denied                                               string
}

type workedCase struct {
	name   string
	scheme string
	in     Input
	want   want
}

func inpatient(level string, tier int, lines ...Line) Input {
	return Input{
		Person: Person{Tier: tier, Birth: d("1970-06-01")},
		Visit:  Visit{Kind: "inpatient", Level: level, InCounty: true, Referral: true, Days: 10},
		Lines:  lines,
	}
}

func withPools(in Input, pools ...Pool) Input {
	in.YTD.Pools = pools
	return in
}

func TestWorkedFigures(t *testing.T) {
	noRef := inpatient("level3", 2, inscopeLine("1", "50000"))
	noRef.Visit.InCounty, noRef.Visit.Referral = false, false
	cases := []workedCase{
		{"SPEC 13.7 Chongqing tier 1 level 2 in-scope 10,000", "chongqing-2013",
			inpatient("county", 1, inscopeLine("1", "10000")), want{basic: "5820.00", ded: "300.00", patient: "4180.00"}},
		{"Chongqing tier 2 level 3 in-scope 50,000", "chongqing-2013",
			inpatient("level3", 2, inscopeLine("1", "50000")), want{basic: "22140.00", ded: "800.00"}},
		{"Chongqing tier 2 level 3 without referral: deductible +5%, ratio −5 points", "chongqing-2013",
			noRef, want{basic: "19664.00", ded: "840.00"}}, // (50,000 − 840) × 40%; 2,476 less
		{"Chongqing tier 1, 65,000 already paid: at most 5,000 more", "chongqing-2013",
			withPools(inpatient("county", 1, inscopeLine("1", "10000")), Pool{"cap:annual", y("65000")}),
			want{basic: "5000.00"}},
		{"Chongqing tier 1, 70,000 already paid: nothing more", "chongqing-2013",
			withPools(inpatient("county", 1, inscopeLine("1", "10000")), Pool{"cap:annual", y("70000")}),
			want{basic: "0.00", patient: "10000.00"}},
		{"SPEC 13.6 S5 township admission 1,100", "shandong-s5",
			inpatient("township", 1, inscopeLine("1", "1100")), want{basic: "600.00", ded: "100.00"}},
		{"SPEC 13.6 S5 county admission 1,100", "shandong-s5",
			inpatient("county", 1, inscopeLine("1", "1100")), want{basic: "360.00", ded: "200.00"}},
		{"S5 township with 500 of essential drugs: +10 points on them", "shandong-s5",
			inpatient("township", 1, inscopeLine("1", "600"), essential("2", "500")), want{basic: "650.00"}},
		{"Panyu district flat 50%", "panyu-s4",
			inpatient("district", 1, inscopeLine("1", "10000")), want{basic: "5000.00", ded: "0.00"}},
		{"one-stop level 3 banded ratio", "one-stop",
			oneStop(inpatient("city", 1, inscopeLine("1", "30800"))), want{basic: "16000.00", ded: "800.00"}},
		{"one-stop appendicitis: fixed 2,400, price limit 3,500", "one-stop",
			oneStop(single("county", inscopeLine("1", "4000"))), want{basic: "2400.00", hosp: "500.00", patient: "1100.00"}},
	}
	runWorked(t, cases)
}

func essential(id, total string) Line {
	l := inscopeLine(id, total)
	l.Essential = true
	return l
}

func oneStop(in Input) Input { return in }

func single(level string, lines ...Line) Input {
	in := inpatient(level, 1, lines...)
	in.Visit.Kind, in.Visit.Diagnoses = "single", []string{"K35.8"}
	return in
}

func runWorked(t *testing.T, cases []workedCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.scheme)
			if tc.in.Visit.Start.IsZero() { // a date inside the scheme's period
				tc.in.Visit.Start = s.From.AddDays(120)
			}
			r := calc1(t, s, &tc.in)
			check := func(what, want string, got money.Fen) {
				if want != "" && got.String() != want {
					t.Errorf("%s = %s, want %s", what, got, want)
				}
			}
			check("basic", tc.want.basic, r.Basic)
			check("deductible", tc.want.ded, r.Deductible)
			check("catastrophic", tc.want.cat, r.Catastrophic)
			check("assistance", tc.want.assist, r.Assistance)
			check("backstop", tc.want.backstop, r.Backstop)
			check("public health", tc.want.ph, r.PublicHealth)
			check("hospital", tc.want.hosp, r.Hospital)
			check("patient", tc.want.patient, r.Patient)
			gotDenied := ""
			if r.Denied != nil {
				gotDenied = r.Denied.Code
			}
			if gotDenied != tc.want.denied {
				t.Errorf("denied = %q, want %q", gotDenied, tc.want.denied)
			}
			if t.Failed() {
				for _, s := range r.Trace {
					t.Logf("%-12s %10s  %s", s.Code, s.Amount, s.Zh)
				}
			}
		})
	}
}
