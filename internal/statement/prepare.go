package statement

import (
	"context"
	"strconv"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/institution"
	"ncms/internal/money"
)

// Prepare makes the statement of an institution for a month (finance), or
// refreshes it when it is a draft (after a rejection, or a late deduction).
// It takes every settlement row of the institution not yet in a statement
// and settled no later than the month's last day, every open deduction,
// any withholding returned by a year-end true-up, and the negative balance
// of earlier approved statements; it computes the withholding under the
// terms of the month's year, and freezes the figures.
//
// Months go forward: a month before the institution's latest statement,
// or one that has not begun, is refused.
func (s *Service) Prepare(ctx context.Context, institutionID int64, p Period) (Statement, error) {
	a, err := need(ctx, "编制结算单 / prepare statements", access.Finance)
	if err != nil {
		return Statement{}, err
	}
	if p.IsZero() {
		return Statement{}, apperr.Field("period", "required", "请选择月份", "choose a month")
	}
	if p.First().After(s.Today()) {
		return Statement{}, apperr.Field("period", "future", "该月尚未开始", "the month has not begun")
	}
	var out Statement
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// The institution row serializes statement work per institution.
		var code string
		err := tx.QueryRowContext(ctx, `SELECT code FROM institutions WHERE id = ?`+tx.DB().ForUpdate(), institutionID).Scan(&code)
		if db.IsNoRows(err) {
			return institution.ErrNotFound
		}
		if err != nil {
			return err
		}
		var id int64
		var status, latest string
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM statements WHERE institution_id = ? AND period = ?`,
			institutionID, p.String()).Scan(&id, &status)
		step := "refresh"
		switch {
		case db.IsNoRows(err):
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(period), '') FROM statements WHERE institution_id = ?`,
				institutionID).Scan(&latest); err != nil {
				return err
			}
			if latest > p.String() {
				return apperr.Field("period", "backwards", "该机构已有 "+latest+" 的结算单,不能再编制更早的月份",
					"the institution already has a statement for "+latest+"; an earlier month cannot be prepared")
			}
			var trued int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM withholding_trueups WHERE institution_id = ? AND year = ?`,
				institutionID, p.Year).Scan(&trued); err != nil {
				return err
			}
			if trued > 0 {
				return apperr.Field("period", "trued_up", strconv.Itoa(p.Year)+" 年度已年终清算,不能再编制该年度的结算单",
					"the year "+strconv.Itoa(p.Year)+" is trued up; no statement of it can be prepared")
			}
			step = "prepare"
			id, err = tx.InsertID(ctx, `INSERT INTO statements (institution_id, period, status, prepared_by, prepared_at)
				VALUES (?, ?, ?, ?, ?)`, institutionID, p.String(), Draft, a.Username, s.stamp())
			if err != nil {
				return err
			}
		case err != nil:
			return err
		case status != Draft:
			zh, en := StatusLabel(status)
			return apperr.New(apperr.Conflict, "statement_frozen", p.String()+" 结算单已"+zh+",不能重新编制",
				"the statement for "+p.String()+" is "+en+" and cannot be prepared again")
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE statements SET prepared_by = ?, prepared_at = ? WHERE id = ?`,
				a.Username, s.stamp(), id); err != nil {
				return err
			}
		}
		if out, err = s.compute(ctx, tx, id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, step, Draft, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement."+step, "statement", id, nil, figures(out))
	})
	return out, err
}

// compute takes what the draft statement id may take and writes its
// figures.
func (s *Service) compute(ctx context.Context, tx *db.Tx, id int64) (Statement, error) {
	st, err := loadStatement(ctx, tx, id, true)
	if err != nil {
		return st, err
	}
	inst, p := st.InstitutionID, st.Period
	if _, err := tx.ExecContext(ctx, `INSERT INTO statement_settlements (settlement_id, statement_id)
		SELECT s.id, ? FROM settlements s WHERE s.institution_id = ? AND s.setl_date <= ?
		AND NOT EXISTS (SELECT 1 FROM statement_settlements t WHERE t.settlement_id = s.id)`, id, inst, p.Last()); err != nil {
		return st, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deductions SET status = ?, statement_id = ? WHERE institution_id = ? AND status = ?`,
		DeductionTaken, id, inst, DeductionOpen); err != nil {
		return st, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE withholding_trueups SET statement_id = ? WHERE institution_id = ?
		AND statement_id IS NULL AND returned > 0`, id, inst); err != nil {
		return st, err
	}
	if err := s.carry(ctx, tx, st); err != nil {
		return st, err
	}
	terms, _, err := loadTerms(ctx, tx, inst, p.Year)
	if err != nil {
		return st, err
	}
	st.SelfPayLimit, st.Budget = terms.SelfPayLimit, terms.Budget
	inpatientOnly := terms.Scope != ScopeAll
	var adv, rev, hifp, hifmi, maf, oth, med, baseMed, baseSelf int64
	err = tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN s.reverses_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.reverses_id IS NULL THEN 0 ELSE 1 END), 0),
		COALESCE(SUM(CASE WHEN s.setl_date < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.reverses_id IS NULL THEN s.fund_pay_sumamt ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.reverses_id IS NULL THEN 0 ELSE -s.fund_pay_sumamt END), 0),
		COALESCE(SUM(s.hifp_pay), 0), COALESCE(SUM(s.hifmi_pay), 0), COALESCE(SUM(s.maf_pay), 0), COALESCE(SUM(s.oth_pay), 0),
		COALESCE(SUM(s.medfee_sumamt), 0),
		COALESCE(SUM(CASE WHEN ? OR s.clr_type = '21' THEN s.medfee_sumamt ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ? OR s.clr_type = '21' THEN s.fulamt_ownpay_amt + s.overlmt_selfpay ELSE 0 END), 0)
		FROM statement_settlements t JOIN settlements s ON s.id = t.settlement_id WHERE t.statement_id = ?`,
		p.First(), !inpatientOnly, !inpatientOnly, id).Scan(&st.Settlements, &st.Reversals, &st.Late, &adv, &rev,
		&hifp, &hifmi, &maf, &oth, &med, &baseMed, &baseSelf)
	if err != nil {
		return st, err
	}
	st.Advanced, st.Reversed, st.Basic, st.Catastrophic = money.Fen(adv), money.Fen(rev), money.Fen(hifp), money.Fen(hifmi)
	st.Assistance, st.Other, st.MedFee, st.BaseMedFee, st.BaseSelfPaid = money.Fen(maf), money.Fen(oth), money.Fen(med), money.Fen(baseMed), money.Fen(baseSelf)
	st.Withheld = Withholding(st.BaseMedFee, st.BaseSelfPaid, st.SelfPayLimit)
	var ded, ret, car, paid int64
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(amount), 0) FROM deductions WHERE statement_id = ? AND status = ?),
		(SELECT COALESCE(SUM(returned), 0) FROM withholding_trueups WHERE statement_id = ?),
		(SELECT COALESCE(SUM(payable), 0) FROM statements WHERE carried_into = ?),
		(SELECT COALESCE(SUM(payable), 0) FROM statements WHERE institution_id = ? AND period >= ? AND period < ? AND status = ?)`,
		id, DeductionTaken, id, id, inst, Period{p.Year, 1}.String(), p.String(), Paid).Scan(&ded, &ret, &car, &paid); err != nil {
		return st, err
	}
	st.Deducted, st.Returned, st.Carried, st.PaidBefore = money.Fen(ded), money.Fen(ret), money.Fen(car), money.Fen(paid)
	st.Payable = st.Advanced - st.Reversed - st.Deducted - st.Withheld + st.Returned + st.Carried
	_, err = tx.ExecContext(ctx, `UPDATE statements SET settlements = ?, reversals = ?, late = ?, advanced = ?, reversed = ?,
		hifp = ?, hifmi = ?, maf = ?, oth = ?, medfee = ?, base_medfee = ?, base_selfpaid = ?, selfpay_limit_bp = ?,
		deducted = ?, withheld = ?, returned = ?, carried = ?, payable = ?, budget = ?, paid_before = ? WHERE id = ?`,
		st.Settlements, st.Reversals, st.Late, adv, rev, hifp, hifmi, maf, oth, med, baseMed, baseSelf, int64(st.SelfPayLimit),
		ded, int64(st.Withheld), ret, car, int64(st.Payable), int64(st.Budget), paid, id)
	return st, err
}

// carry moves the negative balance of the institution's approved
// statements into statement st (they become closed).
func (s *Service) carry(ctx context.Context, tx *db.Tx, st Statement) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM statements WHERE institution_id = ? AND status = ? AND payable < 0
		AND carried_into IS NULL AND id <> ?`, st.InstitutionID, Approved, st.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE statements SET carried_into = ?, status = ? WHERE id = ?`, st.ID, Closed, id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, "carry", Closed, "余额结转至 "+st.Period.String()+" / balance carried to "+st.Period.String()); err != nil {
			return err
		}
	}
	return nil
}

// Withholding is the Panyu rule's monthly withholding (SPEC §9): the
// self-paid amount above limit × total cost, never negative; 0 without a
// limit. limit × cost is rounded to the fen, half away from zero.
func Withholding(cost, selfPaid money.Fen, limit money.Rate) money.Fen {
	if limit <= 0 {
		return 0
	}
	return money.Max2(0, selfPaid-cost.MulRate(limit))
}

// event writes one step of a statement's history.
func (s *Service) event(ctx context.Context, tx *db.Tx, id int64, step, status, reason string) error {
	a, _ := access.FromContext(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO statement_events (statement_id, step, status, reason, username, role, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, step, status, reason, a.Username, string(a.Role), s.stamp())
	return err
}

// figures is what the audit trail keeps of a statement.
func figures(st Statement) map[string]any {
	return map[string]any{"institution_id": st.InstitutionID, "period": st.Period.String(), "status": st.Status,
		"settlements": st.Settlements, "reversals": st.Reversals, "advanced": st.Advanced, "reversed": st.Reversed,
		"deducted": st.Deducted, "withheld": st.Withheld, "returned": st.Returned, "carried": st.Carried,
		"payable": st.Payable, "selfpay_limit": st.SelfPayLimit, "base_medfee": st.BaseMedFee, "base_selfpaid": st.BaseSelfPaid}
}

const statementCols = `st.id, st.institution_id, i.code, i.name, st.period, st.status, st.settlements, st.reversals, st.late,
	st.advanced, st.reversed, st.hifp, st.hifmi, st.maf, st.oth, st.medfee, st.base_medfee, st.base_selfpaid,
	st.selfpay_limit_bp, st.deducted, st.withheld, st.returned, st.carried, st.payable, st.budget, st.paid_before,
	st.prepared_by, st.prepared_at, st.checked_by, COALESCE(st.checked_at, ''), st.approved_by, COALESCE(st.approved_at, ''),
	st.reject_reason, COALESCE(st.carried_into, 0), COALESCE(st.paid_on, ''), st.bank_ref`

func scanStatement(row interface{ Scan(...any) error }) (Statement, error) {
	var st Statement
	var period, prepAt, checkAt, apprAt, paidOn string
	var f [17]int64
	err := row.Scan(&st.ID, &st.InstitutionID, &st.InstitutionCode, &st.InstitutionName, &period, &st.Status,
		&st.Settlements, &st.Reversals, &st.Late, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
		&f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16], &st.PreparedBy, &prepAt, &st.CheckedBy, &checkAt,
		&st.ApprovedBy, &apprAt, &st.RejectReason, &st.CarriedInto, &paidOn, &st.BankRef)
	if err != nil {
		return st, err
	}
	st.Period, _ = ParsePeriod(period)
	st.Advanced, st.Reversed, st.Basic, st.Catastrophic = money.Fen(f[0]), money.Fen(f[1]), money.Fen(f[2]), money.Fen(f[3])
	st.Assistance, st.Other, st.MedFee, st.BaseMedFee = money.Fen(f[4]), money.Fen(f[5]), money.Fen(f[6]), money.Fen(f[7])
	st.BaseSelfPaid, st.SelfPayLimit, st.Deducted, st.Withheld = money.Fen(f[8]), money.Rate(f[9]), money.Fen(f[10]), money.Fen(f[11])
	st.Returned, st.Carried, st.Payable, st.Budget, st.PaidBefore = money.Fen(f[12]), money.Fen(f[13]), money.Fen(f[14]), money.Fen(f[15]), money.Fen(f[16])
	st.PreparedAt, _ = db.ParseTimestamp(prepAt)
	st.CheckedAt, st.ApprovedAt = optTime(checkAt), optTime(apprAt)
	if paidOn != "" {
		_ = st.PaidOn.UnmarshalText([]byte(paidOn))
	}
	return st, nil
}

func optTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := db.ParseTimestamp(s)
	if err != nil {
		return nil
	}
	return &t
}

// loadStatement reads a statement; with lock the row is locked (PostgreSQL).
func loadStatement(ctx context.Context, q db.Querier, id int64, lock bool) (Statement, error) {
	suffix := ""
	if tx, ok := q.(*db.Tx); ok && lock {
		suffix = tx.DB().ForUpdate()
		if suffix != "" {
			suffix = " FOR UPDATE OF st"
		}
	}
	st, err := scanStatement(q.QueryRowContext(ctx, `SELECT `+statementCols+` FROM statements st
		JOIN institutions i ON i.id = st.institution_id WHERE st.id = ?`+suffix, id))
	if db.IsNoRows(err) {
		return st, ErrNotFound
	}
	return st, err
}

func itoa(n int) string { return strconv.Itoa(n) }
