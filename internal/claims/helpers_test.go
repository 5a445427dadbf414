package claims_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/db"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// fixture is a small county under the Chongqing 2013 scheme: the county
// root, two townships (A with village A1, B with village B1), institutions
// (a county hospital in the county, a city hospital out of it without an
// agreement), three catalogue items and covered persons. "Today" is
// 2013-06-01.
type fixture struct {
	*county.Rows
	t       testing.TB
	d       *db.DB
	settle  *settle.Service
	svc     *claims.Service
	cover   *county.Coverage
	area    map[string]int64  // county, A, A1, B, B1
	path    map[string]string // their paths
	inst    map[string]int64  // county, city
	seq     int
	userSeq int64
	today   time.Time
}

func stamp() string { return county.Stamp() }

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{Rows: county.New(t, d), t: t, d: d, cover: &county.Coverage{}, area: map[string]int64{},
		path: map[string]string{}, inst: map[string]int64{},
		today: time.Date(2013, 6, 1, 10, 0, 0, 0, claims.China)}
	now := func() time.Time { return f.today }
	f.settle = settle.New(d, settle.Options{Coverage: f.cover, Now: now})
	f.svc = claims.New(d, claims.Options{Settle: f.settle, Now: now})
	county.Scheme(t, f.settle, "chongqing-2013.yaml")
	f.addArea("county", "", "county", "500101", "测试县")
	f.addArea("A", "county", "township", "500101001", "甲镇")
	f.addArea("A1", "A", "village", "500101001001", "甲一村")
	f.addArea("B", "county", "township", "500101002", "乙镇")
	f.addArea("B1", "B", "village", "500101002001", "乙一村")
	f.inst["county"] = f.Institution(county.Institution{Code: "H50010100001", Name: "县人民医院", Level: "county",
		Since: "2013-01-01", PaasID: "paas-county"})
	f.inst["city"] = f.Institution(county.Institution{Code: "H50000000009", Name: "市第一医院", Level: "city",
		OutOfCounty: true, NoAgreement: true, Since: "2013-01-01", PaasID: "paas-city"})
	f.Items(county.Item{Code: "A001", Class: "A", ValidFrom: "2013-01-01"},
		county.Item{Code: "B001", Class: "B", SelfpayBP: 1000, ValidFrom: "2013-01-01"},
		county.Item{Code: "C001", Class: "C", ValidFrom: "2013-01-01"})
	return f
}

func (f *fixture) addArea(key, parent, level, code, name string) {
	f.t.Helper()
	f.area[key], f.path[key] = f.Area(f.area[parent], f.path[parent], level, code, name)
}

func (f *fixture) insert(q string, args ...any) int64 { f.t.Helper(); return f.Insert(q, args...) }

func (f *fixture) exec(q string, args ...any) { f.t.Helper(); f.Exec(q, args...) }

// person adds a covered tier-1 person in a new household of village v.
func (f *fixture) person(v string) int64 {
	f.t.Helper()
	id := f.Person(f.area[v], f.path[v], "王", "1")
	f.cover.Cover(id, 1, "2013-01-01", "2013-12-31")
	return id
}

// user returns a context acting as a new user of role in area key.
func (f *fixture) user(role access.Role, area string) (context.Context, access.Actor) {
	f.userSeq++
	a := access.Actor{UserID: 1000 + f.userSeq, Username: fmt.Sprintf("%s%d", role, f.userSeq), Role: role,
		Scope: access.Scope{AreaID: f.area[area], AreaPath: f.path[area]}}
	return access.WithActor(context.Background(), a), a
}

// as returns a context acting as actor a with another role and scope (the
// same user, e.g. after a change of post).
func (f *fixture) as(a access.Actor, role access.Role, area string) context.Context {
	a.Role, a.Scope = role, access.Scope{AreaID: f.area[area], AreaPath: f.path[area]}
	return access.WithActor(context.Background(), a)
}

// his returns a context acting as the HIS of institution key.
func (f *fixture) his(key string) context.Context { return county.HIS(key, f.inst[key]) }

func y(s string) money.Fen { return money.MustParse(s) }

// line is one unit of code at total.
func line(sn, code, total string) settle.LineInput {
	tf := y(total)
	return settle.LineInput{SN: sn, Code: code, Qty: 10000, Price: engine.Price(int64(tf) * 10000), Total: tf}
}

// request is an inpatient claim of person at institution key, admitted
// 2013-05-01 and discharged 2013-05-10, with every required document.
func (f *fixture) request(person int64, key string, lines ...settle.LineInput) claims.FileRequest {
	return claims.FileRequest{PersonID: person, InstitutionID: f.inst[key], MedType: "21",
		Begin: civil.MustParse("2013-05-01"), End: civil.MustParse("2013-05-10"), Diagnoses: []string{"J18.9"},
		Invoice: "INV-0001", Documents: []string{"invoice", "itemized_bill", "discharge_summary", "id_copy", "card_copy"},
		PayeeName: "王五", BankName: "农村信用社", BankAccountNo: "6228480012345678", Lines: lines}
}

// roleFor is the role and area of a user who may take step st of a claim
// of a person in village A1.
func roleFor(st claims.Stage) (access.Role, string) {
	switch st {
	case claims.Entry:
		return access.Enrollment, "A"
	case claims.FirstReview, claims.Township:
		return access.Reviewer, "A"
	case claims.SecondReview:
		return access.Reviewer, "county"
	case claims.Village:
		return access.Village, "A1"
	case claims.County:
		return access.Director, "county"
	}
	panic("no role for " + st)
}

// approveAll takes every remaining step of claim id with a new user each.
func (f *fixture) approveAll(id int64) claims.Claim {
	f.t.Helper()
	for i := 0; i < 4; i++ {
		c, err := f.svc.Get(f.sys(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if c.Stage == claims.Approved {
			return c
		}
		ctx, _ := f.user(roleFor(c.Stage))
		if _, err := f.svc.Decide(ctx, claims.Decision{ClaimID: id, Approve: true}); err != nil {
			f.t.Fatalf("approve %s: %v", c.Stage, err)
		}
	}
	f.t.Fatal("claim not approved after every step")
	return claims.Claim{}
}

func (f *fixture) sys() context.Context { return county.System() }

func (f *fixture) count(q string, args ...any) int { f.t.Helper(); return f.Count(q, args...) }
