package engine

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	s := load(t, "chongqing-2013")
	in := &Input{
		Person: Person{Tier: 1, Birth: d("1960-01-01")},
		Visit:  Visit{Kind: "inpatient", Level: "county", InCounty: true, Start: d("2013-05-01"), End: d("2013-05-10")},
		Lines:  []Line{inscopeLine("1", "10000")},
	}
	r := calc1(t, s, in)
	t.Logf("%+v", r.Basic)
	for _, st := range r.Trace {
		t.Logf("%s %s %s | %s", st.Code, st.Amount, st.Zh, st.En)
	}
}
