// Package noticetest seeds a small county with personal data that must
// never reach a notice (full ID numbers, phone numbers, diagnoses), for the
// tests of internal/notice and of the public pages. It writes rows
// directly: its purpose is data, not the services that usually write them.
package noticetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ncms/internal/db"
)

// Person is a seeded participant.
type Person struct {
	ID       int64
	Name     string
	IDNumber string
	Phone    string
}

// County is what Seed made.
type County struct {
	County, Township, Village, Group int64 // area ids
	Township2, Village2              int64
	Institution                      int64
	People                           []Person // People[0..2] in Village (2 via Group), People[3] in Village2
	HouseholdPhone                   string
	Settlements                      []int64 // January 2026
	Claim                            int64   // approved in January 2026
	Reversed                         int64   // settled and reversed in January: on no notice
}

// Diagnoses are the diagnosis strings stored on the seeded visits and
// claims; none may appear in any output.
var Diagnoses = []string{"K35.801", "急性阑尾炎", "I10.X00", "原发性高血压", "O80.001"}

// Seed writes the county under the existing root area (created when there
// is none): a township with a village and a group, a second township and
// village, four people with ID numbers and phones, one enrollment each for
// 2026, settlements in January 2026 (one reversed), and a manual claim
// approved in January.
func Seed(t testing.TB, d *db.DB) County {
	t.Helper()
	ctx := context.Background()
	var c County
	now := db.Timestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	err := d.InTx(ctx, func(tx *db.Tx) error {
		ins := func(q string, args ...any) int64 {
			if t.Failed() {
				return 0
			}
			id, err := tx.InsertID(ctx, q, args...)
			if err != nil {
				t.Fatalf("seed: %s: %v", q, err)
			}
			return id
		}
		exec := func(q string, args ...any) {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("seed: %s: %v", q, err)
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&c.County)
		if db.IsNoRows(err) {
			c.County = ins(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520222', '盘县', '', ?)`, now)
			exec(`UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", c.County), c.County)
		} else if err != nil {
			return err
		}
		area := func(parent int64, level, code, name string) int64 {
			var ppath string
			if err := tx.QueryRowContext(ctx, `SELECT path FROM areas WHERE id = ?`, parent).Scan(&ppath); err != nil {
				t.Fatal(err)
			}
			id := ins(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, ?, ?, ?, '', ?)`, parent, level, code, name, now)
			exec(`UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("%s%d/", ppath, id), id)
			return id
		}
		c.Township = area(c.County, "township", "N1", "红果镇")
		c.Village = area(c.Township, "village", "N11", "沙坡村")
		c.Group = area(c.Village, "group", "N111", "一组")
		c.Township2 = area(c.County, "township", "N2", "平关镇")
		c.Village2 = area(c.Township2, "village", "N21", "阿依村")
		pathOf := func(id int64) string {
			var p string
			_ = tx.QueryRowContext(ctx, `SELECT path FROM areas WHERE id = ?`, id).Scan(&p)
			return p
		}
		c.Institution = ins(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since,
			paasid, created_at, updated_at) VALUES ('H52022200001', '盘县人民医院', 'county', TRUE, TRUE, TRUE, 'active',
			'2020-01-01', 'paas-nt', ?, ?)`, now, now)
		scheme := ins(`INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
			VALUES ('nt', 1, '2026-01-01', '2026-12-31', '2026-01-01', 'active', 'x', 'x', ?)`, now)
		exec(`INSERT INTO scheme_years (year, period_from, period_to, window_from, window_to, status, created_at, updated_at)
			VALUES (2026, '2026-01-01', '2026-12-31', '2025-10-01', '2025-12-31', 'open', ?, ?)`, now, now)
		c.HouseholdPhone = "13900001111"
		h1 := ins(`INSERT INTO households (number, area_id, area_path, phone, created_at, updated_at) VALUES ('NT0001', ?, ?, ?, ?, ?)`,
			c.Group, pathOf(c.Group), c.HouseholdPhone, now, now)
		h2 := ins(`INSERT INTO households (number, area_id, area_path, phone, created_at, updated_at) VALUES ('NT0002', ?, ?, '', ?, ?)`,
			c.Village2, pathOf(c.Village2), now, now)
		people := []struct {
			name, id, phone, rel string
			h, area              int64
		}{
			{"张三明", "52022219800101123X", "13812345678", "户主", h1, c.Group},
			{"李四", "520222198203152345", "", "配偶", h1, c.Group},
			{"欧阳小明", "520222201005063456", "13712340000", "子", h1, c.Group},
			{"王五", "520222197512124567", "15987654321", "户主", h2, c.Village2},
		}
		for i, p := range people {
			pid := ins(`INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, phone, relation,
				created_at, updated_at) VALUES (?, ?, ?, ?, '1', '1980-01-01', ?, ?, ?, ?)`, p.h, pathOf(p.area), p.id, p.name,
				p.phone, p.rel, now, now)
			c.People = append(c.People, Person{ID: pid, Name: p.name, IDNumber: p.id, Phone: p.phone})
			pay := ins(`INSERT INTO contribution_payments (year, household_id, area_path, tier, amount, paid_on, created_at)
				VALUES (2026, ?, ?, 1, 4000, '2025-11-01', ?)`, p.h, pathOf(p.area), now)
			exec(`INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id, paid_on, cover_from,
				cover_to, created_at) VALUES (2026, ?, ?, ?, 1, ?, '2025-11-01', '2026-01-01', '2026-12-31', ?)`,
				pid, p.h, pathOf(p.area), pay, now)
			if i == 0 {
				exec(`UPDATE households SET head_person_id = ? WHERE id = ?`, pid, p.h)
			}
			if i == 3 {
				exec(`UPDATE households SET head_person_id = ? WHERE id = ?`, pid, p.h)
			}
		}
		settle := func(pi int, clr, day, diag string, cost, fund int64) int64 {
			p := c.People[pi]
			v := ins(`INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date,
				diagnoses, status, created_at, updated_at) VALUES (?, ?, (SELECT household_id FROM persons WHERE id = ?), ?, ?, ?, ?, ?,
				'discharged', ?, ?)`, c.Institution, p.ID, p.ID, clr, clr, day, day, diag, now, now)
			return ins(`INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind,
				med_type, clr_type, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt,
				inscp_scp_amt, act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay,
				psn_cash_pay, hosp_part_amt, result_json)
				VALUES (?, ?, ?, (SELECT household_id FROM persons WHERE id = ?), 2026, ?, 'inpatient', ?, ?, ?, ?, ?, 0, 0, 0,
				?, 0, ?, 0, 0, 0, ?, ?, 0, ?, 0, ?)`, v, c.Institution, p.ID, p.ID, scheme, clr, clr, day, now, cost, cost, fund,
				fund, cost-fund, cost-fund, `{"diagnoses":"`+diag+`"}`)
		}
		c.Settlements = append(c.Settlements,
			settle(0, "21", "2026-01-10", "K35.801,急性阑尾炎", 1234500, 864150),
			settle(1, "11", "2026-01-12", "I10.X00,原发性高血压", 8800, 4400),
			settle(3, "21", "2026-01-20", "O80.001", 300000, 210000))
		c.Reversed = settle(2, "11", "2026-01-15", "I10.X00", 5000, 2500)
		exec(`INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type,
			clr_type, reverses_id, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt,
			inscp_scp_amt, act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay,
			psn_cash_pay, hosp_part_amt, result_json)
			SELECT visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type, clr_type, id,
			'2026-01-16', setl_time, -medfee_sumamt, 0, 0, 0, -inscp_scp_amt, 0, -hifp_pay, 0, 0, 0, -fund_pay_sumamt,
			-psn_part_amt, 0, -psn_cash_pay, 0, result_json FROM settlements WHERE id = ?`, c.Reversed)
		p := c.People[2]
		c.Claim = ins(`INSERT INTO claims (person_id, household_id, area_path, institution_id, med_type, clr_type, begin_date,
			end_date, diagnoses, filed_date, deadline, payee_name, bank_name, bank_account_no, bill_total, stage, scheme_id,
			ytd_year, kind, medfee_sumamt, inscp_scp_amt, hifp_pay, fund_pay_sumamt, psn_part_amt, approved_date, created_at,
			updated_at) VALUES (?, (SELECT household_id FROM persons WHERE id = ?), ?, ?, '21', '21', '2025-12-20', '2025-12-28',
			'O80.001,急性阑尾炎', '2026-01-05', '2026-03-31', ?, '农村信用社', '6228480000000000001', 500000, 'approved', ?, 2026,
			'inpatient', 500000, 450000, 300000, 300000, 200000, '2026-01-25', ?, ?)`, p.ID, p.ID, pathOf(c.Group),
			c.Institution, p.Name, scheme, now, now)
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return c
}
