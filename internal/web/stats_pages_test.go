package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/stats"
)

// The statistics pages render every report by every dimension, with the
// drill-down and the Excel download, and never show the patient's ID
// number, phone number or diagnosis; a township clerk sees the township.
func TestStatsPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		ctx := context.Background()
		ins := county.New(t, d).Insert
		ts := "2026-01-01T00:00:00.000000Z"
		town := ins(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, 'township', '520222100', '红果镇', '', ?)`, a.county, ts)
		path := fmt.Sprintf("/%d/%d/", a.county, town)
		if _, err := d.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, path, town); err != nil {
			t.Fatal(err)
		}
		hh := ins(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES ('H1', ?, ?, ?, ?)`, town, path, ts, ts)
		const idNo, phone = "520222198001011234", "13912345678"
		p := ins(`INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, phone, relation, categories, status, created_at, updated_at)
			VALUES (?, ?, ?, '张三明', '1', '1980-01-01', ?, '户主', 'poor', 'active', ?, ?)`, hh, path, idNo, phone, ts, ts)
		inst := ins(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
			VALUES ('H52022200001', '县人民医院', 'county', TRUE, TRUE, TRUE, 'active', '2020-01-01', 'px', ?, ?)`, ts, ts)
		sch := ins(`INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
			VALUES ('t', 1, '2026-01-01', '2026-12-31', '2026-01-01', 'active', '', '', ?)`, ts)
		v := ins(`INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date, diagnoses, status, created_at, updated_at)
			VALUES (?, ?, ?, '21', '21', '2026-03-01', '2026-03-05', 'I63.901', 'discharged', ?, ?)`, inst, p, hh, ts, ts)
		ins(`INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type, clr_type, setl_date, setl_time,
			medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay,
			fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, result_json)
			VALUES (?, ?, ?, ?, 2026, ?, 'inpatient', '21', '21', '2026-03-05', ?, 1000000, 0, 0, 0, 900000, 0, 600000, 0, 0, 0, 600000, 400000, 0, 400000, 0, '{"dx":"I63.901 脑梗死"}')`,
			v, inst, p, hh, sch, ts)

		c := a.client(t).login("admin", testAdminPW)
		check := func(what, body string) {
			t.Helper()
			for _, x := range []string{idNo, phone, "I63.9", "脑梗死"} {
				if strings.Contains(body, x) {
					t.Errorf("%s shows %q", what, x)
				}
			}
		}
		for _, rep := range stats.Reports {
			for _, by := range append([]stats.Dim{""}, stats.Dims...) {
				u := "/stats?report=" + rep.Name + "&year=2026&by=" + string(by)
				r := c.get(u)
				if r.Status != 200 && !(rep.AreaOnly && by != stats.ByTownship && by != stats.ByVillage && r.Status == 422) {
					t.Errorf("%s: %d", u, r.Status)
				}
				check(u, r.Body)
			}
		}
		r := c.get("/stats?report=compensation&year=2026&by=township")
		if !strings.Contains(r.Body, "红果镇") || !strings.Contains(r.Body, "10000.00") || !strings.Contains(r.Body, "合计") {
			t.Errorf("compensation by township: %s", r.Body)
		}
		r = c.get("/stats/records?year=2026&by=township&key=" + path)
		if r.Status != 200 || !strings.Contains(r.Body, "张*明") || !strings.Contains(r.Body, "6000.00") {
			t.Errorf("drill-down %d: %s", r.Status, r.Body)
		}
		check("records", r.Body)
		if x := c.get("/stats?report=summary&year=2026&format=xlsx"); x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("xlsx: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		a.addUser(t, "clerk", access.Enrollment, town)
		cl := a.client(t).login("clerk", "user-pass-1")
		if r := cl.get("/stats?report=compensation&year=2026"); r.Status != 200 || !strings.Contains(r.Body, "红果镇统计") && !strings.Contains(r.Body, "红果镇新农合") {
			t.Errorf("township clerk: %d", r.Status)
		}
	})
}
