package statement_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
	"ncms/internal/statement"
)

// fixture is a small Panyu county of 2008 (scheme panyu-s4: town 70%,
// district 50%, no deductible, no cap) with real settlements made through
// internal/settle on a clock the test moves.
type fixture struct {
	t      testing.TB
	d      *db.DB
	settle *settle.Service
	svc    *statement.Service
	clock  *clock
	inst   map[string]int64 // "town", "district", "other"
	areaID int64
	seq    int
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// set moves the clock to noon (China) of day.
func (c *clock) set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = civil.MustParse(day).Time().Add(4 * time.Hour) // 12:00 in China
}

func newFixture(t testing.TB, d *db.DB, opt statement.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, d: d, clock: &clock{}, inst: map[string]int64{}}
	f.clock.set("2008-01-01")
	cover := settle.CoverageFunc(func(context.Context, db.Querier, int64, civil.Date) (settle.CoverageInfo, error) {
		return settle.CoverageInfo{Covered: true, Tier: 1, From: civil.MustParse("2008-01-01"), To: civil.MustParse("2008-12-31")}, nil
	})
	f.settle = settle.New(d, settle.Options{Coverage: cover, Now: f.clock.now, NoTrace: true})
	opt.Now = f.clock.now
	f.svc = statement.New(d, opt)
	yaml, err := os.ReadFile("../../schemes/panyu-s4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sys := access.WithActor(context.Background(), access.System("test"))
	if _, err := f.settle.Schemes().Add(sys, "panyu-s4.yaml", yaml, civil.Date{}, true); err != nil {
		t.Fatal(err)
	}
	f.areaID = f.insert(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '440113', '番禺区', '/1/', ?)`, now())
	for i, in := range []struct{ key, level, name string }{
		{"town", "township", "石楼镇卫生院"}, {"district", "county", "番禺区人民医院"}, {"other", "township", "沙湾镇卫生院"}} {
		f.inst[in.key] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, bank_name,
			bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at)
			VALUES (?, ?, ?, TRUE, TRUE, TRUE, '农村信用社', ?, ?, 'active', '2008-01-01', ?, ?, ?)`,
			fmt.Sprintf("H4401130000%d", i+1), in.name, in.level, in.name, fmt.Sprintf("0062201000%d", i+1), "paas-"+in.key, now(), now())
	}
	for _, it := range []struct{ code, class string }{{"A001", "A"}, {"C001", "C"}} {
		f.insert(`INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, valid_from, created_at, updated_at)
			VALUES (?, ?, 'drug', ?, 0, '2008-01-01', ?, ?)`, it.code, "item "+it.code, it.class, now(), now())
	}
	return f
}

func now() string { return db.Timestamp(time.Now()) }

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
	day := civil.Of(f.clock.now().In(statement.China))
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
	f.seq++
	hh := f.insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, '/1/', ?, ?)`,
		fmt.Sprintf("H%06d", f.seq), f.areaID, now(), now())
	return f.insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, created_at, updated_at)
		VALUES (?, '/1/', ?, '1', '1960-05-01', '户主', ?, ?)`, hh, fmt.Sprintf("张%d", f.seq), now(), now())
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

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
