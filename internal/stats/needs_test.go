package stats

import (
	"slices"
	"testing"
)

// TestReportsNeedFund: the indicators measured against the fund position
// are found, and a report's cube reads the fund report, the area
// denominators and the high-cost persons only when it shows an indicator
// made of them (the compensation table by level or kind, on the
// dashboard, reads none; the summary reads all).
func TestReportsNeedFund(t *testing.T) {
	var got []string
	for _, in := range Indicators {
		if readsFund(in) {
			got = append(got, in.Key)
		}
	}
	want := []string{"raised", "arrival_rate", "usable", "monthly_plan", "utilization", "utilization_raised", "plan_rate",
		"surplus_ratio", "cumulative_surplus_ratio"}
	if !slices.Equal(got, want) {
		t.Errorf("fund indicators %v, want %v", got, want)
	}
	for _, c := range []struct {
		report string
		prev   bool
		want   needs
	}{
		{"summary", false, needs{fund: true, area: true, high: true}},
		{"summary", true, needs{fund: true, area: true, high: true}},
		{"compensation", false, needs{}}, // per_visit, shares: settlements only
		{"compensation", true, needs{}},
		{"monthly", false, needs{fund: true}}, // plan, plan rate
		{"participation", false, needs{area: true, high: true}},
		{"participation", true, needs{area: true}}, // benefit rate last year: benefited ÷ enrollees
		{"service", false, needs{}},
	} {
		r, err := ReportByName(c.report)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.needs(c.prev); got != c.want {
			t.Errorf("%s (last year %v) needs %+v, want %+v", c.report, c.prev, got, c.want)
		}
	}
}
