// Package seed fills a database quickly with a large county for the
// benchmarks (`ncms bench`, internal/stats' benchmarks): everyone enrolled
// for a year through enroll.EnrollBulk (real rows), and settlements written
// directly by INSERT … SELECT — a report benchmark needs the rows, not the
// engine. It is benchmark support, not part of the product.
package seed

import (
	"context"
	"fmt"
	"time"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
)

// Enroll opens scheme year year at Pan county's standard (individual 30 +
// government 200, enroll.PresetByKey("pan")) and enrolls every registered
// person for it through enroll.EnrollBulk (tier 1, paid on 1 November of
// the year before). ctx must carry an actor allowed to enroll (e.g.
// access.System); now is the enrollment service's clock.
func Enroll(ctx context.Context, d *db.DB, year int, now func() time.Time) (enroll.BulkResult, error) {
	en := enroll.New(d, enroll.Options{Now: now})
	p, _ := enroll.PresetByKey("pan")
	if _, err := en.CreateYear(ctx, enroll.YearInput{Year: year, WaitingDays: -1}); err != nil {
		return enroll.BulkResult{}, err
	}
	if _, err := en.SetStandards(ctx, year, p.Standards, nil); err != nil {
		return enroll.BulkResult{}, err
	}
	if _, err := en.SetStatus(ctx, year, enroll.Open); err != nil {
		return enroll.BulkResult{}, err
	}
	return en.EnrollBulk(ctx, enroll.BulkInput{Year: year, Tier: 1, PaidOn: civil.New(year-1, 11, 1)})
}

// Settlements writes n settlements of year (with their visits) directly
// by INSERT … SELECT: one per person enrolled for year, in enrollment
// order, up to n (every 8th an admission, every 40th of those referred
// out), spread over the year and over five new institutions, one of every
// level, each with a 1 KB result_json like a real settlement's. Then it
// analyzes the database (and, on SQLite, folds the WAL into it as the
// automatic checkpoint does on a live system). It returns how many
// settlements it wrote.
func Settlements(ctx context.Context, d *db.DB, year, n int) (int64, error) {
	var written int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var ids []int64
		for i, lvl := range []string{"village", "township", "county", "city", "province"} {
			id, err := tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
				VALUES (?, ?, ?, ?, TRUE, TRUE, 'active', '2020-01-01', ?, '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`,
				fmt.Sprintf("H52022100000%d", i), "机构"+lvl, lvl, i < 3, fmt.Sprintf("bench%d", i))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		first := fmt.Sprintf("%04d-01-01", year)
		scheme, err := tx.InsertID(ctx, `INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
			VALUES ('bench', 1, ?, ?, ?, 'active', '', '', '2025-01-01T00:00:00.000000Z')`, first, fmt.Sprintf("%04d-12-31", year), first)
		if err != nil {
			return err
		}
		day, filler := "date('"+first+"', '+' || (p.id % 365) || ' days')", "hex(zeroblob(500))"
		if d.Dialect() == db.Postgres {
			day, filler = "CAST(DATE '"+first+"' + CAST(p.id % 365 AS INTEGER) AS TEXT)", "repeat('0', 1000)"
		}
		created := first + "T00:00:00.000000Z"
		inst := fmt.Sprintf("CASE p.id %% 5 WHEN 0 THEN %d WHEN 1 THEN %d WHEN 2 THEN %d WHEN 3 THEN %d ELSE %d END", ids[0], ids[1], ids[2], ids[3], ids[4])
		if _, err := tx.ExecContext(ctx, `INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date,
			diagnoses, status, created_at, updated_at)
			SELECT `+inst+`, p.id, p.household_id, CASE WHEN p.id % 8 = 0 THEN '21' ELSE '11' END,
				CASE WHEN p.id % 320 = 0 THEN '23' WHEN p.id % 8 = 0 THEN '21' ELSE '11' END, `+day+`, `+day+`,
				'J18.900', 'discharged', ?, ?
			FROM enrollments e JOIN persons p ON p.id = e.person_id WHERE e.year = ? ORDER BY e.id LIMIT ?`, created, created, year, n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type,
			clr_type, reverses_id, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
			act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, result_json)
			SELECT x.id, x.institution_id, x.person_id, x.household_id, ?, ?, x.kind, x.med_type, x.clr_type, NULL, x.begin_date,
				x.begin_date || 'T02:00:00.000000Z', x.cost, 0, 0, 0, x.cost * 9 / 10, 0, x.cost * 6 / 10, 0, 0, 0, x.cost * 6 / 10,
				x.cost - x.cost * 6 / 10, 0, x.cost - x.cost * 6 / 10, 0, `+filler+`
			FROM (SELECT v.*, CASE WHEN v.clr_type = '21' THEN 'inpatient' ELSE 'outpatient' END AS kind,
				CASE WHEN v.clr_type = '21' THEN 300000 + (v.id % 1000) * 1000 ELSE 2000 + (v.id % 100) * 100 END AS cost
				FROM visits v) x`, year, scheme)
		if err != nil {
			return err
		}
		written, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			return written, err
		}
		return written, nil
	}
	if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
		return written, err
	}
	// Fold the WAL into the database, as the automatic checkpoint does on
	// a live system (a 1.7 GB WAL makes every read look it up).
	_, err = d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return written, err
}
