package stats_test

import (
	"context"
	"fmt"
	"testing"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/money"
	"ncms/internal/stats"
)

const stamp = "2026-01-01T00:00:00.000000Z"

// fixture is a tiny county written row by row: the tables stats reads,
// filled directly (a report test: settlements and claims as the services
// store them, without running the engine).
type fixture struct {
	t       testing.TB
	d       *db.DB
	ctx     context.Context
	root    int64
	towns   map[string]int64
	paths   map[string]string
	persons map[string]int64
	houses  map[string]int64
	insts   map[string]int64
	visit   int64
	scheme  int64
	ids     []string // every ID number written (for the leak test)
	phones  []string
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.d.ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) insert(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(f.ctx, q, args...)
		return err
	})
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	f := &fixture{t: t, d: d, ctx: context.Background(), towns: map[string]int64{}, paths: map[string]string{},
		persons: map[string]int64{}, houses: map[string]int64{}, insts: map[string]int64{}}
	f.root = f.area(0, "county", "520221", "盘县")
	for _, y := range []int{2025, 2026} {
		f.exec(`INSERT INTO scheme_years (year, period_from, period_to, window_from, window_to, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'open', ?, ?)`, y, civil.New(y, 1, 1), civil.New(y, 12, 31), civil.New(y-1, 9, 1), civil.New(y-1, 12, 20), stamp, stamp)
	}
	f.scheme = f.insert(`INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
		VALUES ('t', 1, '2025-01-01', '2027-12-31', '2025-01-01', 'active', '', '', ?)`, stamp)
	return f
}

func (f *fixture) area(parent int64, level, code, name string) int64 {
	var p any
	path := ""
	if parent != 0 {
		p = parent
		for n, id := range f.towns {
			if id == parent {
				path = f.paths[n]
			}
		}
	}
	id := f.insert(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, ?, ?, ?, '', ?)`, p, level, code, name, stamp)
	if path == "" {
		path = "/"
	}
	path = fmt.Sprintf("%s%d/", path, id)
	f.exec(`UPDATE areas SET path = ? WHERE id = ?`, path, id)
	f.towns[name], f.paths[name] = id, path
	return id
}

// person registers a person (a new household when head) in area name.
func (f *fixture) person(key, house, areaName string, cats, status, statusDate string) {
	f.t.Helper()
	path := f.paths[areaName]
	if f.houses[house] == 0 {
		f.houses[house] = f.insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			house, f.towns[areaName], path, stamp, stamp)
	}
	n := len(f.persons) + 1
	id := idcard.Generate("520221", civil.New(1960+n, 5, 6), n, n%2 == 1)
	phone := fmt.Sprintf("1390000%04d", n)
	f.ids, f.phones = append(f.ids, id), append(f.phones, phone)
	var sd any
	if statusDate != "" {
		sd = statusDate
	}
	sex := "2"
	if n%2 == 1 {
		sex = "1"
	}
	f.persons[key] = f.insert(`INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, phone, relation, categories,
		status, status_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`,
		f.houses[house], path, id, "张"+key+"明", sex, civil.New(1960+n, 5, 6), phone, cats, status, sd, stamp, stamp)
}

// enroll enrolls a person for year (one payment per enrollment, no money:
// the statistics count enrollments, the fund report reads the ledger).
func (f *fixture) enroll(key string, year int) {
	f.t.Helper()
	var hh int64
	var path string
	if err := f.d.QueryRowContext(f.ctx, `SELECT household_id, area_path FROM persons WHERE id = ?`, f.persons[key]).Scan(&hh, &path); err != nil {
		f.t.Fatal(err)
	}
	pay := f.insert(`INSERT INTO contribution_payments (year, receipt_seq, receipt_no, household_id, area_path, tier, amount, paid_on, created_at)
		VALUES (?, ?, ?, ?, ?, 1, 3000, '2025-10-01', ?)`, year, f.persons[key], fmt.Sprintf("%d-%s", year, key), hh, path, stamp)
	f.exec(`INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id, paid_on, cover_from, cover_to, created_at)
		VALUES (?, ?, ?, ?, 1, ?, '2025-10-01', ?, ?, ?)`, year, f.persons[key], hh, path, pay, civil.New(year, 1, 1), civil.New(year, 12, 31), stamp)
}

func (f *fixture) institution(key, level string, inCounty bool) {
	n := len(f.insts) + 1
	f.insts[key] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
		VALUES (?, ?, ?, ?, TRUE, TRUE, 'active', '2020-01-01', ?, ?, ?)`, fmt.Sprintf("H5202210000%d", n), key, level, inCounty, fmt.Sprintf("p%d", n), stamp, stamp)
}

// amounts of a settlement or claim, in yuan strings.
type amounts struct{ cost, inscope, basic, cat, asst, other string }

func (a amounts) fen() (c, i, b, ca, as, o, fund int64) {
	p := func(s string) int64 {
		if s == "" {
			return 0
		}
		return int64(money.MustParse(s))
	}
	c, i, b, ca, as, o = p(a.cost), p(a.inscope), p(a.basic), p(a.cat), p(a.asst), p(a.other)
	return c, i, b, ca, as, o, b + ca + as + o
}

// settle writes a settlement (and returns its id); reverses != 0 writes
// the reversal of that settlement with every amount negated.
func (f *fixture) settle(person, inst, kind, clr, med, date string, a amounts, reverses int64) int64 {
	f.t.Helper()
	pid := f.persons[person]
	var hh int64
	_ = f.d.QueryRowContext(f.ctx, `SELECT household_id FROM persons WHERE id = ?`, pid).Scan(&hh)
	f.visit = f.insert(`INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date, diagnoses, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'J18.900', 'discharged', ?, ?)`, f.insts[inst], pid, hh, clr, med, date, date, stamp, stamp)
	c, i, b, ca, as, o, fund := a.fen()
	sign := int64(1)
	var rev any
	if reverses != 0 {
		sign, rev = -1, reverses
	}
	return f.insert(`INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type, clr_type,
		reverses_id, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc,
		hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, result_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, 0, ?, ?, ?, ?, ?, ?, 0, ?, 0, '{"diagnosis":"J18.900 肺炎"}')`,
		f.visit, f.insts[inst], pid, hh, 2026, f.scheme, kind, med, clr, rev, date, date+"T02:00:00.000000Z",
		sign*c, sign*i, sign*b, sign*ca, sign*as, sign*o, sign*fund, sign*(c-fund), sign*(c-fund))
}

func (f *fixture) claim(person, inst, stage, approved string, a amounts) {
	f.t.Helper()
	pid := f.persons[person]
	var hh int64
	var path string
	_ = f.d.QueryRowContext(f.ctx, `SELECT household_id, area_path FROM persons WHERE id = ?`, pid).Scan(&hh, &path)
	c, i, b, ca, as, o, fund := a.fen()
	var ad any
	if approved != "" {
		ad = approved
	}
	f.exec(`INSERT INTO claims (person_id, household_id, area_path, institution_id, med_type, clr_type, begin_date, end_date, diagnoses,
		filed_date, deadline, payee_name, bank_name, bank_account_no, bill_total, stage, scheme_id, ytd_year, kind, medfee_sumamt,
		inscp_scp_amt, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, approved_date, created_at, updated_at)
		VALUES (?, ?, ?, ?, '21', '21', '2026-05-20', '2026-05-30', 'K35.800', '2026-06-01', '2026-07-31', '张五明', '农村信用社', '6228480000000000001',
		?, ?, ?, 2026, 'inpatient', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pid, hh, path, f.insts[inst], c, stage, f.scheme, c, i, b, ca, as, o, fund, c-fund, ad, stamp, stamp)
}

// as returns a context for a user of role over the area named (the county
// when "").
func (f *fixture) as(role access.Role, areaName string) context.Context {
	s := access.Scope{AreaID: f.root, AreaPath: fmt.Sprintf("/%d/", f.root)}
	if areaName != "" {
		s = access.Scope{AreaID: f.towns[areaName], AreaPath: f.paths[areaName]}
	}
	return access.WithActor(context.Background(), access.Actor{UserID: 9, Username: "u", Role: role, Scope: s})
}

// small builds the hand-computed county of stats_test.go (see there).
func small(t testing.TB, d *db.DB) *fixture {
	f := newFixture(t, d)
	a := f.area(f.root, "township", "520221100", "红果镇")
	f.area(a, "village", "520221100001", "红星村")
	b := f.area(f.root, "township", "520221200", "两河乡")
	f.area(b, "village", "520221200001", "河边村")
	f.person("p1", "h1", "红星村", "poor", "active", "")
	f.person("p2", "h1", "红星村", "", "active", "")
	f.person("p3", "h2", "红星村", "", "active", "")
	f.person("p4", "h2", "红星村", "", "active", "")
	f.person("p5", "h3", "河边村", "", "active", "")
	f.person("p6", "h3", "河边村", "", "active", "")
	f.person("p7", "h3", "河边村", "", "deceased", "2025-06-01")
	for _, k := range []string{"p1", "p2", "p3", "p5", "p6"} {
		f.enroll(k, 2026)
	}
	f.institution("村卫生室", "village", true)
	f.institution("县医院", "county", true)
	f.institution("省医院", "province", false)
	f.settle("p1", "村卫生室", "outpatient", "11", "11", "2026-03-10", amounts{cost: "100", inscope: "100", basic: "60"}, 0)
	f.settle("p1", "县医院", "inpatient", "21", "21", "2026-03-20", amounts{cost: "10000", inscope: "8000", basic: "5000", asst: "1000", other: "500"}, 0)
	f.settle("p3", "省医院", "inpatient", "21", "23", "2026-04-05", amounts{cost: "40000", inscope: "30000", basic: "12000", cat: "3000"}, 0)
	f.settle("p5", "村卫生室", "outpatient", "11", "11", "2026-04-06", amounts{cost: "50", inscope: "50"}, 0)
	s5 := f.settle("p2", "村卫生室", "outpatient", "11", "11", "2026-05-01", amounts{cost: "80", inscope: "80", basic: "40"}, 0)
	f.settle("p2", "村卫生室", "outpatient", "11", "11", "2026-05-02", amounts{cost: "80", inscope: "80", basic: "40"}, s5)
	f.claim("p5", "省医院", "approved", "2026-06-10", amounts{cost: "20000", inscope: "15000", basic: "6000"})
	f.claim("p6", "省医院", "rejected", "", amounts{cost: "9000", inscope: "9000", basic: "1000"})
	f.settle("p1", "县医院", "inpatient", "21", "21", "2025-03-15", amounts{cost: "5000", inscope: "5000", basic: "2000"}, 0)
	f.settle("p3", "县医院", "inpatient", "21", "21", "2027-01-02", amounts{cost: "700", inscope: "700", basic: "300"}, 0)
	return f
}

var _ = stats.Year
