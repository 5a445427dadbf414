package settle_test

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
)

// fixture is a small county: one scheme (Chongqing 2013), institutions of
// levels township/county/city, catalogue items and covered persons.
type fixture struct {
	*county.Rows
	t      testing.TB
	d      *db.DB
	svc    *settle.Service
	ctx    context.Context // system actor
	inst   map[string]int64
	cover  *county.Coverage // the enrollment service is not in this package's tests
	areaID int64
	path   string
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{Rows: county.New(t, d), t: t, d: d, ctx: county.System(), inst: map[string]int64{},
		cover: &county.Coverage{Waiting: true}}
	f.svc = settle.New(d, settle.Options{Coverage: f.cover})
	county.Scheme(t, f.svc, "chongqing-2013.yaml")
	f.areaID, f.path = f.Area(0, "", "county", "500101", "测试县")
	for i, lv := range []string{"township", "county", "city"} {
		f.inst[lv] = f.Institution(county.Institution{Code: fmt.Sprintf("H5001010000%d", i), Name: lv + " hospital", Level: lv,
			Since: "2013-01-01", PaasID: "paas-" + lv})
	}
	f.Items(county.Item{Code: "A001", Class: "A", ValidFrom: "2013-01-01"},
		county.Item{Code: "B001", Class: "B", SelfpayBP: 1000, ValidFrom: "2013-01-01"},
		county.Item{Code: "C001", Class: "C", ValidFrom: "2013-01-01"})
	return f
}

func now() string { return county.Stamp() }

func (f *fixture) insert(q string, args ...any) int64 { f.t.Helper(); return f.Insert(q, args...) }

// person adds a covered person (tier) in a new household.
func (f *fixture) person(tier int) int64 {
	f.t.Helper()
	id := f.Person(f.areaID, f.path, "张", "1")
	f.cover.Cover(id, tier, "2013-01-01", "2013-12-31")
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
	return f.Count(`SELECT COUNT(*) FROM ` + table)
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
