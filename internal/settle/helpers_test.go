package settle_test

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
)

// fixture is a small county: one scheme (Chongqing 2013), institutions of
// levels township/county/city, catalogue items and covered persons.
type fixture struct {
	t      testing.TB
	d      *db.DB
	svc    *settle.Service
	ctx    context.Context // system actor
	inst   map[string]int64
	cover  *coverTable
	areaID int64
	seq    int
}

// coverTable is the coverage answer per person (the enrollment service is
// not in this package's tests; its rows are its own).
type coverTable struct {
	mu sync.Mutex
	m  map[int64]settle.CoverageInfo
}

func (c *coverTable) CoveredOn(_ context.Context, _ db.Querier, id int64, d civil.Date) (settle.CoverageInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.m[id]
	if !ok {
		return settle.CoverageInfo{Zh: "未参合", En: "not enrolled"}, nil
	}
	if d.Before(ci.From) || d.After(ci.To) {
		return settle.CoverageInfo{Zh: "等待期", En: "waiting period"}, nil
	}
	return ci, nil
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, d: d, ctx: access.WithActor(context.Background(), access.System("test")),
		inst: map[string]int64{}, cover: &coverTable{m: map[int64]settle.CoverageInfo{}}}
	f.svc = settle.New(d, settle.Options{Coverage: f.cover})
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Schemes().Add(f.ctx, "chongqing-2013.yaml", yaml, civil.Date{}, true); err != nil {
		t.Fatal(err)
	}
	f.areaID = f.insert(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '500101', '测试县', '/1/', ?)`, now())
	for i, lv := range []string{"township", "county", "city"} {
		f.inst[lv] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since,
			paasid, created_at, updated_at) VALUES (?, ?, ?, TRUE, TRUE, TRUE, 'active', '2013-01-01', ?, ?, ?)`,
			fmt.Sprintf("H5001010000%d", i), lv+" hospital", lv, "paas-"+lv, now(), now())
	}
	for _, it := range []struct {
		code, class string
		bp          int
	}{{"A001", "A", 0}, {"B001", "B", 1000}, {"C001", "C", 0}} {
		f.insert(`INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, valid_from, created_at, updated_at)
			VALUES (?, ?, 'drug', ?, ?, '2013-01-01', ?, ?)`, it.code, "item "+it.code, it.class, it.bp, now(), now())
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

// person adds a covered person (tier) in a new household.
func (f *fixture) person(tier int) int64 {
	f.t.Helper()
	f.seq++
	hh := f.insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, '/1/', ?, ?)`,
		fmt.Sprintf("H%06d", f.seq), f.areaID, now(), now())
	id := f.insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, created_at, updated_at)
		VALUES (?, '/1/', ?, '1', '1960-05-01', '户主', ?, ?)`, hh, fmt.Sprintf("张%d", f.seq), now(), now())
	f.cover.mu.Lock()
	f.cover.m[id] = settle.CoverageInfo{Covered: true, Tier: tier, From: civil.MustParse("2013-01-01"), To: civil.MustParse("2013-12-31")}
	f.cover.mu.Unlock()
	return id
}

// as returns a context acting as the institution of level lv.
func (f *fixture) as(lv string) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: "his:" + lv, Role: access.Institution,
		Scope: access.Scope{InstitutionID: f.inst[lv]}})
}

func y(s string) money.Fen { return money.MustParse(s) }

// line is a class item line of qty 1 at total.
func line(sn, code, total string) settle.LineInput {
	tf := y(total)
	return settle.LineInput{SN: sn, Code: code, Qty: 10000, Price: engine.Price(int64(tf) * 10000), Total: tf}
}

// admission admits, uploads lines and discharges; it returns the visit id.
func (f *fixture) admission(ctx context.Context, person int64, lines ...settle.LineInput) int64 {
	f.t.Helper()
	v, err := f.svc.Admit(ctx, settle.VisitRequest{PersonID: person, MedType: "21", Begin: civil.MustParse("2013-05-01"), Diagnoses: []string{"J18.9"}})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: lines}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.Discharge(ctx, settle.DischargeRequest{VisitID: v.ID, End: civil.MustParse("2013-05-10")}); err != nil {
		f.t.Fatal(err)
	}
	return v.ID
}

// count returns the rows of table.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// counts returns the row counts of every settle table.
func (f *fixture) counts() map[string]int {
	m := map[string]int{}
	for _, t := range []string{"visits", "fee_lines", "settlements", "settlement_funds", "ytd_persons", "settle_messages", "audit_log"} {
		m[t] = f.count(t)
	}
	return m
}

// checkStored asserts the HIS identities on every stored settlement row.
func (f *fixture) checkStored() {
	f.t.Helper()
	rows, err := f.d.QueryContext(context.Background(), `SELECT s.id, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay,
		preselfpay_amt, inscp_scp_amt, fund_pay_sumamt, psn_part_amt, hosp_part_amt, hifp_pay, hifmi_pay, maf_pay, oth_pay,
		acct_pay, psn_cash_pay, COALESCE((SELECT SUM(fund_payamt) FROM settlement_funds WHERE settlement_id = s.id), 0)
		FROM settlements s`)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, med, full, over, pre, in, fund, psn, hosp, hifp, hifmi, maf, oth, acct, cash, details int64
		if err := rows.Scan(&id, &med, &full, &over, &pre, &in, &fund, &psn, &hosp, &hifp, &hifmi, &maf, &oth, &acct, &cash, &details); err != nil {
			f.t.Fatal(err)
		}
		if med != full+over+pre+in || med != fund+psn+hosp || fund != hifp+hifmi+maf+oth || fund != details || psn != acct+cash {
			f.t.Errorf("settlement %d breaks an identity: med %d parts %d/%d/%d/%d fund %d psn %d hosp %d layers %d/%d/%d/%d details %d acct %d cash %d",
				id, med, full, over, pre, in, fund, psn, hosp, hifp, hifmi, maf, oth, details, acct, cash)
		}
	}
}
