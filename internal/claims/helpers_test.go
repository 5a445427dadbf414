package claims_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/db"
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
	t       testing.TB
	d       *db.DB
	settle  *settle.Service
	svc     *claims.Service
	cover   *coverTable
	area    map[string]int64  // county, A, A1, B, B1
	path    map[string]string // their paths
	inst    map[string]int64  // county, city
	seq     int
	userSeq int64
	today   time.Time
}

type coverTable struct {
	mu sync.Mutex
	m  map[int64]settle.CoverageInfo
}

func (c *coverTable) CoveredOn(_ context.Context, _ db.Querier, id int64, d civil.Date) (settle.CoverageInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.m[id]
	if !ok || d.Before(ci.From) || d.After(ci.To) {
		return settle.CoverageInfo{Zh: "未参合", En: "not enrolled"}, nil
	}
	return ci, nil
}

func stamp() string { return db.Timestamp(time.Now()) }

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, d: d, cover: &coverTable{m: map[int64]settle.CoverageInfo{}}, area: map[string]int64{},
		path: map[string]string{}, inst: map[string]int64{},
		today: time.Date(2013, 6, 1, 10, 0, 0, 0, claims.China)}
	now := func() time.Time { return f.today }
	f.settle = settle.New(d, settle.Options{Coverage: f.cover, Now: now})
	f.svc = claims.New(d, claims.Options{Settle: f.settle, Now: now})
	sys := access.WithActor(context.Background(), access.System("test"))
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.settle.Schemes().Add(sys, "chongqing-2013.yaml", yaml, civil.Date{}, true); err != nil {
		t.Fatal(err)
	}
	f.addArea("county", "", "county", "500101", "测试县")
	f.addArea("A", "county", "township", "500101001", "甲镇")
	f.addArea("A1", "A", "village", "500101001001", "甲一村")
	f.addArea("B", "county", "township", "500101002", "乙镇")
	f.addArea("B1", "B", "village", "500101002001", "乙一村")
	f.inst["county"] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status,
		status_since, paasid, created_at, updated_at) VALUES ('H50010100001', '县人民医院', 'county', TRUE, TRUE, TRUE,
		'active', '2013-01-01', 'paas-county', ?, ?)`, stamp(), stamp())
	f.inst["city"] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status,
		status_since, paasid, created_at, updated_at) VALUES ('H50000000009', '市第一医院', 'city', FALSE, FALSE, FALSE,
		'active', '2013-01-01', 'paas-city', ?, ?)`, stamp(), stamp())
	for _, it := range []struct {
		code, class string
		bp          int
	}{{"A001", "A", 0}, {"B001", "B", 1000}, {"C001", "C", 0}} {
		f.insert(`INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, valid_from, created_at, updated_at)
			VALUES (?, ?, 'drug', ?, ?, '2013-01-01', ?, ?)`, it.code, "item "+it.code, it.class, it.bp, stamp(), stamp())
	}
	return f
}

func (f *fixture) addArea(key, parent, level, code, name string) {
	f.t.Helper()
	var pid any
	if parent != "" {
		pid = f.area[parent]
	}
	id := f.insert(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, ?, ?, ?, '', ?)`,
		pid, level, code, name, stamp())
	p := fmt.Sprintf("%s%d/", f.path[parent], id)
	if parent == "" {
		p = fmt.Sprintf("/%d/", id)
	}
	f.exec(`UPDATE areas SET path = ? WHERE id = ?`, p, id)
	f.area[key], f.path[key] = id, p
}

func (f *fixture) insert(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	err := f.d.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), q, args...)
		return err
	})
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.d.ExecContext(context.Background(), q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// person adds a covered tier-1 person in a new household of village v.
func (f *fixture) person(v string) int64 {
	f.t.Helper()
	f.seq++
	hh := f.insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		fmt.Sprintf("H%06d", f.seq), f.area[v], f.path[v], stamp(), stamp())
	id := f.insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, created_at, updated_at)
		VALUES (?, ?, ?, '1', '1960-05-01', '户主', ?, ?)`, hh, f.path[v], fmt.Sprintf("王%d", f.seq), stamp(), stamp())
	f.cover.mu.Lock()
	f.cover.m[id] = settle.CoverageInfo{Covered: true, Tier: 1, From: civil.MustParse("2013-01-01"), To: civil.MustParse("2013-12-31")}
	f.cover.mu.Unlock()
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
func (f *fixture) his(key string) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: "his:" + key, Role: access.Institution,
		Scope: access.Scope{InstitutionID: f.inst[key]}})
}

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

func (f *fixture) sys() context.Context {
	return access.WithActor(context.Background(), access.System("test"))
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
