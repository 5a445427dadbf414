package statement_test

import (
	"context"
	"fmt"
	"testing"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
	"ncms/internal/statement"
)

// fixture is a small Panyu county of 2008 (scheme panyu-s4: town 70%,
// district 50%, no deductible, no cap) with real settlements made through
// internal/settle on a clock the test moves.
type fixture struct {
	*county.Rows
	t      testing.TB
	d      *db.DB
	settle *settle.Service
	svc    *statement.Service
	clock  *county.Clock
	inst   map[string]int64 // "town", "district", "other"
	areaID int64
	path   string // the county's area path
	seq    int
}

func newFixture(t testing.TB, d *db.DB, opt statement.Options) *fixture {
	t.Helper()
	f := &fixture{Rows: county.New(t, d), t: t, d: d, clock: county.NewClock("2008-01-01"), inst: map[string]int64{}}
	f.settle = settle.New(d, settle.Options{Coverage: county.Always("2008-01-01", "2008-12-31"), Now: f.clock.Now, NoTrace: true})
	opt.Now = f.clock.Now
	f.svc = statement.New(d, opt)
	county.Scheme(t, f.settle, "panyu-s4.yaml")
	f.areaID, f.path = f.Area(0, "", "county", "440113", "番禺区")
	for i, in := range []struct{ key, level, name string }{
		{"town", "township", "石楼镇卫生院"}, {"district", "county", "番禺区人民医院"}, {"other", "township", "沙湾镇卫生院"}} {
		f.inst[in.key] = f.Institution(county.Institution{Code: fmt.Sprintf("H4401130000%d", i+1), Name: in.name, Level: in.level,
			Since: "2008-01-01", PaasID: "paas-" + in.key, BankName: "农村信用社", BankAccount: fmt.Sprintf("0062201000%d", i+1)})
	}
	f.Items(county.Item{Code: "A001", Class: "A", ValidFrom: "2008-01-01"}, county.Item{Code: "C001", Class: "C", ValidFrom: "2008-01-01"})
	return f
}

func now() string { return county.Stamp() }

func (f *fixture) insert(q string, args ...any) int64 { f.t.Helper(); return f.Insert(q, args...) }

// user returns a county-wide context acting as username with role.
func user(username string, role access.Role) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: username, Role: role,
		Scope: access.Scope{AreaID: 1, AreaPath: "/1/"}})
}

var (
	alice = user("alice", access.Finance)  // prepares
	bob   = user("bob", access.Finance)    // checks
	dora  = user("dora", access.Director)  // approves
	dan   = user("dan", access.Director)   // a second director
	ivan  = user("ivan", access.Inspector) // records deductions
	eve   = user("eve", access.Enrollment) // may do none of it
	audi  = user("audi", access.Auditor)   // reads
)

func y(s string) money.Fen { return money.MustParse(s) }

func period(s string) statement.Period {
	p, err := statement.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// admit settles an admission at institution key on the clock's day with
// in-scope (class A) and fully self-paid (class C) amounts; it returns the
// settlement.
func (f *fixture) admit(key, inScope, selfPaid string) settle.Settlement {
	f.t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{Username: "his:" + key, Role: access.Institution,
		Scope: access.Scope{InstitutionID: f.inst[key]}})
	f.seq++
	p := f.person()
	day := civil.Of(f.clock.Now().In(statement.China))
	v, err := f.settle.Admit(ctx, settle.VisitRequest{PersonID: p, MedType: "21", Begin: day.AddDays(-3), Diagnoses: []string{"J18.9"}})
	if err != nil {
		f.t.Fatal(err)
	}
	var lines []settle.LineInput
	for i, l := range []struct{ code, amt string }{{"A001", inScope}, {"C001", selfPaid}} {
		if l.amt == "" || y(l.amt) == 0 {
			continue
		}
		tf := y(l.amt)
		lines = append(lines, settle.LineInput{SN: fmt.Sprint(i + 1), Code: l.code, Qty: 10000,
			Price: engine.Price(int64(tf) * 10000), Total: tf, Date: day.AddDays(-3)})
	}
	if _, err := f.settle.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: lines}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.settle.Discharge(ctx, settle.DischargeRequest{VisitID: v.ID, End: day}); err != nil {
		f.t.Fatal(err)
	}
	st, err := f.settle.Settle(ctx, settle.SettleRequest{VisitID: v.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// reverse reverses a settlement on the clock's day.
func (f *fixture) reverse(key string, st settle.Settlement) settle.Settlement {
	f.t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{Username: "his:" + key, Role: access.Institution,
		Scope: access.Scope{InstitutionID: f.inst[key]}})
	r, err := f.settle.Reverse(ctx, settle.ReverseRequest{VisitID: st.VisitID, SettlementID: st.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) person() int64 {
	f.t.Helper()
	return f.Person(f.areaID, f.path, "张", "1")
}

// approve takes a statement through prepare (alice), check (bob) and
// approve (dora).
func (f *fixture) approve(key string, p statement.Period) statement.Statement {
	f.t.Helper()
	st, err := f.svc.Prepare(alice, f.inst[key], p)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.Check(bob, st.ID, "核对无误"); err != nil {
		f.t.Fatal(err)
	}
	st, err = f.svc.Approve(dora, st.ID, "同意")
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// terms sets the self-paid limit of institution key for 2008.
func (f *fixture) terms(key string, limit money.Rate, budget money.Fen) {
	f.t.Helper()
	if _, err := f.svc.SetTerms(alice, statement.Terms{InstitutionID: f.inst[key], Year: 2008, SelfPayLimit: limit, Budget: budget}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(q string, args ...any) int { f.t.Helper(); return f.Count(q, args...) }
