package supervise_test

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
	"ncms/internal/supervise"
)

// fixture is a small Panyu county of 2008 (scheme panyu-s4) with real
// settlements made through internal/settle, screened by supervise.
type fixture struct {
	*county.Rows
	t      testing.TB
	d      *db.DB
	settle *settle.Service
	plain  *settle.Service // without the screening hook
	svc    *supervise.Service
	clock  *county.Clock
	inst   map[string]int64 // "town" (township), "district" (county)
	areaID int64
	path   string // the county's area path
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{Rows: county.New(t, d), t: t, d: d, clock: county.NewClock("2008-03-01"), inst: map[string]int64{}}
	cover := county.Always("2008-01-01", "2008-12-31")
	f.svc = supervise.New(d, supervise.Options{Now: f.clock.Now})
	f.settle = settle.New(d, settle.Options{Coverage: cover, Now: f.clock.Now, NoTrace: true, Screen: f.svc})
	f.plain = settle.New(d, settle.Options{Coverage: cover, Now: f.clock.Now, NoTrace: true})
	county.Scheme(t, f.settle, "panyu-s4.yaml")
	f.areaID, f.path = f.Area(0, "", "county", "440113", "番禺区")
	for i, in := range []struct{ key, level, name string }{
		{"town", "township", "石楼镇卫生院"}, {"district", "county", "番禺区人民医院"}, {"town2", "township", "沙湾镇卫生院"}} {
		f.inst[in.key] = f.Institution(county.Institution{Code: fmt.Sprintf("H4401130000%d", i+1), Name: in.name, Level: in.level,
			Since: "2008-01-01", PaasID: "paas-" + in.key, BankName: "农村信用社", BankAccount: fmt.Sprintf("0062201000%d", i+1)})
	}
	// catalogue: price (reference) and price_cap in 1/1,000,000 yuan
	const from = "2008-01-01"
	f.Items(
		county.Item{Code: "A001", Name: "青霉素注射液", Class: "A", Essential: true, ValidFrom: from},
		county.Item{Code: "S001", Name: "血常规", Kind: "service", Class: "A", ValidFrom: from},
		county.Item{Code: "C001", Name: "进口敷料", Kind: "service", Class: "C", ValidFrom: from},
		county.Item{Code: "D900", Name: "头孢曲松钠(三级)", Class: "B", Levels: "county,city,province", ValidFrom: from},
		county.Item{Code: "S100", Name: "CT 检查", Kind: "service", Class: "A", PriceCap: 200_000_000, ValidFrom: from},
		county.Item{Code: "D200", Name: "阿莫西林胶囊", Class: "A", Price: 4_000_000, ValidFrom: from},
		county.Item{Code: "S300", Name: "子宫附件彩超", Kind: "service", Class: "A", ValidFrom: from},
	)
	return f
}

func now() string { return county.Stamp() }

func (f *fixture) insert(q string, args ...any) int64 { f.t.Helper(); return f.Insert(q, args...) }

func user(username string, role access.Role) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: username, Role: role,
		Scope: access.Scope{AreaID: 1, AreaPath: "/1/"}})
}

var (
	ivan  = user("ivan", access.Inspector)
	admin = user("root", access.Admin)
	eve   = user("eve", access.Enrollment)
)

func (f *fixture) person(sex string) int64 {
	f.t.Helper()
	return f.Person(f.areaID, f.path, "张", sex)
}

// line is an uploaded line: code, quantity (units), unit price (yuan) and approval flag.
type line struct {
	code     string
	qty      int64
	price    string
	approval int
}

func (f *fixture) ctx(key string) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: "his:" + key, Role: access.Institution,
		Scope: access.Scope{InstitutionID: f.inst[key]}})
}

// stay admits person at institution key from begin to end (discharge day,
// also the settlement day) with lines, and settles with svc.
func (f *fixture) stayWith(svc *settle.Service, key string, person int64, begin, end string, lines ...line) (settle.Settlement, error) {
	f.t.Helper()
	ctx := f.ctx(key)
	f.clock.Set(begin)
	v, err := svc.Admit(ctx, settle.VisitRequest{PersonID: person, MedType: "21", Begin: civil.MustParse(begin), Diagnoses: []string{"J18.9"},
		DoctorName: "李医生"})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(lines) == 0 {
		lines = []line{{"A001", 10, "20", 0}}
	}
	var in []settle.LineInput
	for i, l := range lines {
		p := money.MustParse(l.price)
		in = append(in, settle.LineInput{SN: fmt.Sprint(i + 1), Code: l.code, Qty: engine.Qty(l.qty * 10000),
			Price: engine.Price(int64(p) * 10000), Total: money.Fen(int64(p) * l.qty), Date: civil.MustParse(begin), Approval: l.approval})
	}
	if _, err := svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: in}); err != nil {
		f.t.Fatal(err)
	}
	f.clock.Set(end)
	if _, err := svc.Discharge(ctx, settle.DischargeRequest{VisitID: v.ID, End: civil.MustParse(end)}); err != nil {
		f.t.Fatal(err)
	}
	return svc.Settle(ctx, settle.SettleRequest{VisitID: v.ID})
}

func (f *fixture) stay(key string, person int64, begin, end string, lines ...line) settle.Settlement {
	f.t.Helper()
	st, err := f.stayWith(f.settle, key, person, begin, end, lines...)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// cases returns the rule → number of cases opened for settlement id.
func (f *fixture) casesOf(setlID int64) map[string]int {
	f.t.Helper()
	rows, err := f.d.QueryContext(context.Background(), `SELECT c.rule FROM supervise_cases c
		WHERE EXISTS (SELECT 1 FROM supervise_evidence e WHERE e.case_id = c.id AND e.settlement_id = ?)`, setlID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			f.t.Fatal(err)
		}
		m[r]++
	}
	return m
}

func (f *fixture) count(q string, args ...any) int { f.t.Helper(); return f.Count(q, args...) }
