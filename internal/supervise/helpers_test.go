package supervise_test

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
	"ncms/internal/supervise"
)

// fixture is a small Panyu county of 2008 (scheme panyu-s4) with real
// settlements made through internal/settle, screened by supervise.
type fixture struct {
	t      testing.TB
	d      *db.DB
	settle *settle.Service
	plain  *settle.Service // without the screening hook
	svc    *supervise.Service
	clock  *clock
	inst   map[string]int64 // "town" (township), "district" (county)
	areaID int64
	seq    int
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = civil.MustParse(day).Time().Add(4 * time.Hour) // 12:00 in China
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, d: d, clock: &clock{}, inst: map[string]int64{}}
	f.clock.set("2008-03-01")
	cover := settle.CoverageFunc(func(context.Context, db.Querier, int64, civil.Date) (settle.CoverageInfo, error) {
		return settle.CoverageInfo{Covered: true, Tier: 1, From: civil.MustParse("2008-01-01"), To: civil.MustParse("2008-12-31")}, nil
	})
	f.svc = supervise.New(d, supervise.Options{Now: f.clock.now})
	f.settle = settle.New(d, settle.Options{Coverage: cover, Now: f.clock.now, NoTrace: true, Screen: f.svc})
	f.plain = settle.New(d, settle.Options{Coverage: cover, Now: f.clock.now, NoTrace: true})
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
		{"town", "township", "石楼镇卫生院"}, {"district", "county", "番禺区人民医院"}, {"town2", "township", "沙湾镇卫生院"}} {
		f.inst[in.key] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, bank_name,
			bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at)
			VALUES (?, ?, ?, TRUE, TRUE, TRUE, '农村信用社', ?, ?, 'active', '2008-01-01', ?, ?, ?)`,
			fmt.Sprintf("H4401130000%d", i+1), in.name, in.level, in.name, fmt.Sprintf("0062201000%d", i+1), "paas-"+in.key, now(), now())
	}
	// catalogue: price (reference) and price_cap in 1/1,000,000 yuan
	for _, it := range []struct {
		code, name, kind, class, levels string
		price, priceCap                 int64
		essential                       bool
	}{
		{"A001", "青霉素注射液", "drug", "A", "", 0, 0, true},
		{"S001", "血常规", "service", "A", "", 0, 0, false},
		{"C001", "进口敷料", "service", "C", "", 0, 0, false},
		{"D900", "头孢曲松钠(三级)", "drug", "B", "county,city,province", 0, 0, false},
		{"S100", "CT 检查", "service", "A", "", 0, 200_000_000, false},
		{"D200", "阿莫西林胶囊", "drug", "A", "", 4_000_000, 0, false},
		{"S300", "子宫附件彩超", "service", "A", "", 0, 0, false},
	} {
		f.insert(`INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, price, price_cap, levels, essential, valid_from,
			created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, '2008-01-01', ?, ?)`, it.code, it.name, it.kind, it.class,
			it.price, it.priceCap, it.levels, it.essential, now(), now())
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
	f.seq++
	hh := f.insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, '/1/', ?, ?)`,
		fmt.Sprintf("H%06d", f.seq), f.areaID, now(), now())
	return f.insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, created_at, updated_at)
		VALUES (?, '/1/', ?, ?, '1960-05-01', '户主', ?, ?)`, hh, fmt.Sprintf("张%d", f.seq), sex, now(), now())
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
	f.clock.set(begin)
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
	f.clock.set(end)
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

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
