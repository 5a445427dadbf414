package engine

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/money"
	"ncms/internal/scheme"
)

var (
	schemeMu    sync.Mutex
	schemeCache = map[string]*scheme.Scheme{}
)

// load parses schemes/<name>.yaml once.
func load(t testing.TB, name string) *scheme.Scheme {
	t.Helper()
	schemeMu.Lock()
	defer schemeMu.Unlock()
	if s := schemeCache[name]; s != nil {
		return s
	}
	path := filepath.Join("..", "..", "schemes", name+".yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scheme.Parse(path, b)
	if err != nil {
		t.Fatalf("parse %s:\n%v", name, err)
	}
	schemeCache[name] = s
	return s
}

func y(s string) money.Fen  { return money.MustParse(s) }
func d(s string) civil.Date { return civil.MustParse(s) }

// inscopeLine is one class-A line of the given total.
func inscopeLine(id, total string) Line {
	return Line{ID: id, Class: ClassA, Qty: 10000, Total: y(total)}
}

func calc1(t testing.TB, s *scheme.Scheme, in *Input) *Result {
	t.Helper()
	r, err := Calculate(s, in, Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	checkIdentities(t, r)
	return r
}

// checkIdentities asserts the HIS identities and non-negative layers.
func checkIdentities(t testing.TB, r *Result) {
	t.Helper()
	if r.MedFee != r.FullOwn+r.OverLimit+r.FirstSelf+r.InScope {
		t.Errorf("medfee %s != split parts", r.MedFee)
	}
	if r.MedFee != r.FundTotal+r.Patient+r.Hospital {
		t.Errorf("medfee %s != fund %s + patient %s + hospital %s", r.MedFee, r.FundTotal, r.Patient, r.Hospital)
	}
	var sum money.Fen
	for _, f := range r.Funds {
		sum += f.Pay
	}
	if r.FundTotal != r.Basic+r.Catastrophic+r.Assistance+r.Other || r.FundTotal != sum {
		t.Errorf("fund total %s != layers / setldetail %s", r.FundTotal, sum)
	}
	if r.Reversal {
		return
	}
	for _, v := range []money.Fen{r.Basic, r.Catastrophic, r.Assistance, r.Backstop, r.PublicHealth, r.Hospital, r.Deductible} {
		if v < 0 {
			t.Errorf("negative layer amount: basic %s cat %s assist %s backstop %s ph %s hosp %s ded %s",
				r.Basic, r.Catastrophic, r.Assistance, r.Backstop, r.PublicHealth, r.Hospital, r.Deductible)
		}
	}
	if r.Patient < 0 {
		t.Errorf("negative patient share %s", r.Patient)
	}
	for _, l := range r.Lines {
		if l.Total != l.FullOwn+l.OverLimit+l.FirstSelf+l.InScope {
			t.Errorf("line %s does not add up: %+v", l.ID, l)
		}
	}
}
