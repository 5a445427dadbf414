package scheme

import (
	"strings"
	"testing"
)

const minimal = `scheme: t
period: {from: 2024-01-01, to: 2024-12-31}
levels: {county: 2}
kinds:
  inpatient: {admission: true}
ratios:
  - when: {kind: inpatient}
    ratio: 50%
`

func TestValidationErrorsNameLineAndKey(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"unknown top key", minimal + "ratioz: []\n", "x.yaml:9: ratioz: unknown key"},
		{"bad ratio", strings.Replace(minimal, "50%", "150%", 1), "x.yaml:8: ratios[0].ratio: \"150%\" is not a percentage"},
		{"unknown kind in when", strings.Replace(minimal, "{kind: inpatient}", "{kind: inpatiant}", 1), "ratios[0].when.kind: unknown value \"inpatiant\""},
		{"bad date", strings.Replace(minimal, "2024-12-31", "2024-13-01", 1), "x.yaml:2: period.to: \"2024-13-01\" is not a date"},
		{"missing levels", strings.Replace(minimal, "levels: {county: 2}\n", "", 1), "levels: required key missing"},
		{"amount with 3 decimals", minimal + "caps:\n  - {name: a, amount: 1.005}\n", "x.yaml:10: caps[0].amount: \"1.005\" is not an amount"},
		{"bands must rise", minimal + "catastrophic:\n  - bands: [{over: 5000, ratio: 50%}, {over: 100, ratio: 60%}]\n", "catastrophic[0].bands[1]: bands must rise"},
		{"kind with no rule", minimal + "", ""},
		{"uncovered kind", strings.Replace(minimal, "  inpatient: {admission: true}\n", "  inpatient: {admission: true}\n  outpatient: {}\n", 1), "kinds.outpatient: no ratio, fixed or per_disease rule"},
		{"cap rows disagree", minimal + "caps:\n  - {name: a, amount: 1}\n  - {name: a, amount: 2, per: household}\n", "x.yaml:11: caps[1]: rows of cap \"a\" must share per and period"},
		{"not yaml", "scheme: [", "x.yaml: not valid YAML"},
		{"unknown tier", strings.Replace(minimal, "{kind: inpatient}", "{kind: inpatient, tier: 3}", 1), "unknown value \"3\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.text))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAliasBombIsAnError(t *testing.T) {
	text := minimal + "x0: &a0 [1,1,1,1,1,1,1,1,1,1]\n"
	for i := 1; i < 12; i++ {
		text += "x" + itoa(i) + ": &a" + itoa(i) + " [*a" + itoa(i-1) + ",*a" + itoa(i-1) + ",*a" + itoa(i-1) + ",*a" + itoa(i-1) + "]\n"
	}
	if _, err := Parse("bomb.yaml", []byte(text)); err == nil {
		t.Fatal("want an error")
	}
}
