package settle

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
)

func moneyFen(v int64) money.Fen { return money.Fen(v) }

// store inserts the settlement (or reversal) and its fund rows and writes
// the new totals; st.ID is set.
func (s *Service) store(ctx context.Context, tx *db.Tx, householdID int64, year int, st *Settlement, household bool) error {
	r := st.Result
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var rev any
	if st.Reverses != 0 {
		rev = st.Reverses
	}
	id, err := tx.InsertID(ctx, `INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year,
		scheme_id, kind, med_type, clr_type, reverses_id, setl_date, setl_time, medfee_sumamt, fulamt_ownpay_amt,
		overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay,
		fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, medins_setl_id, invono, result_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.VisitID, st.InstitutionID, st.PersonID, householdID, year, st.SchemeID, st.Kind, st.MedType, st.ClrType, rev,
		st.Date, db.Timestamp(st.Time), int64(r.MedFee), int64(r.FullOwn), int64(r.OverLimit), int64(r.FirstSelf),
		int64(r.InScope), int64(r.Deductible), int64(r.Basic), int64(r.Catastrophic), int64(r.Assistance), int64(r.Other),
		int64(r.FundTotal), int64(r.Patient), int64(st.AcctPay), int64(st.CashPay), int64(r.Hospital), st.MsgID, st.Invoice,
		string(body))
	if db.IsUniqueViolation(err) {
		return errAlreadyReversed
	}
	if err != nil {
		return err
	}
	st.ID = id // result_json is stored without the id; loadSettlement sets it
	if err := postLedger(ctx, tx, year, st); err != nil {
		return err
	}
	if len(r.Funds) > 0 {
		if err := insertFunds(ctx, tx, id, r.Funds); err != nil {
			return err
		}
	}
	now := s.stamp()
	if err := writePersonYTD(ctx, tx, st.PersonID, year, r.YTD, now); err != nil {
		return err
	}
	if household && len(r.HouseholdDelta.Pools) > 0 {
		if err := writeHouseholdYTD(ctx, tx, householdID, year, r.HouseholdYTD, now); err != nil {
			return err
		}
	}
	return nil
}

// insertFunds writes the setldetail rows in one statement.
func insertFunds(ctx context.Context, tx *db.Tx, id int64, funds []engine.FundPay) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO settlement_funds (settlement_id, seq, fund_pay_type, fund_pay_type_name, inscp_scp_amt,
		crt_payb_lmt_amt, fund_payamt, setl_proc_info) VALUES `)
	args := make([]any, 0, 8*len(funds))
	for i, f := range funds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, id, i+1, f.Type, f.Name, int64(f.InScope), int64(f.Limit), int64(f.Pay), f.Info)
	}
	_, err := tx.ExecContext(ctx, b.String(), args...)
	return err
}

// Reverse reverses a settlement (2208 / 2305): a new settlement with every
// amount negated (engine.Reverse) referencing the original, the totals
// restored exactly (even when later visits were settled since), and the
// original's lines unsettled again, so the HIS may revoke them or settle
// again. Nothing is deleted. A settlement is reversed at most once.
func (s *Service) Reverse(ctx context.Context, r ReverseRequest) (Settlement, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return Settlement{}, err
	}
	var out Settlement
	err = s.once(ctx, newMessage(in.ID, r.MsgID, InfReverseOut, r), &out, func(tx *db.Tx) (effect, error) {
		if err := s.reverse(ctx, tx, in.ID, r, &out); err != nil {
			return effect{}, err
		}
		return effect{"reversal", out.ID}, nil
	})
	return out, err
}

// reverse does the reversal inside tx.
func (s *Service) reverse(ctx context.Context, tx *db.Tx, inst int64, r ReverseRequest, out *Settlement) error {
	orig, hh, year, err := loadSettlement(ctx, tx, inst, r.SettlementID)
	if err != nil {
		return err
	}
	if r.VisitID != 0 && orig.VisitID != r.VisitID {
		return errSetlNotFound
	}
	if orig.Reverses != 0 {
		return apperr.New(apperr.Conflict, "is_reversal", "撤销记录不能再撤销", "a reversal cannot be reversed")
	}
	now := s.stamp()
	household := len(orig.Result.HouseholdDelta.Pools) > 0
	var curHH engine.YTD
	if household {
		if curHH, err = lockHouseholdYTD(ctx, tx, hh, year, now); err != nil {
			return err
		}
	}
	cur, err := lockPersonYTD(ctx, tx, orig.PersonID, year, now)
	if err != nil {
		return err
	}
	*out = orig
	out.ID, out.Reverses, out.MsgID, out.Invoice = 0, orig.ID, r.MsgID, ""
	t := s.now()
	out.Time, out.Date = t.UTC(), civilDay(t)
	out.AcctPay, out.CashPay = -orig.AcctPay, -orig.CashPay
	out.Result = engine.Reverse(orig.Result, cur, curHH)
	if err := s.store(ctx, tx, hh, year, out, household); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fee_lines SET status = 'open', settlement_id = NULL WHERE settlement_id = ?`, orig.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "settle.reverse", "settlement", out.ID, nil, auditView(out))
}

// loadSettlement reads a stored settlement of institution inst (0: any).
func loadSettlement(ctx context.Context, q db.Querier, inst, id int64) (Settlement, int64, int, error) {
	var st Settlement
	var body string
	var hh, owner int64
	var year int
	err := q.QueryRowContext(ctx, `SELECT institution_id, household_id, ytd_year, result_json FROM settlements WHERE id = ?`, id).
		Scan(&owner, &hh, &year, &body)
	if db.IsNoRows(err) || (err == nil && inst != 0 && owner != inst) {
		return st, 0, 0, errSetlNotFound
	}
	if err != nil {
		return st, 0, 0, err
	}
	err = json.Unmarshal([]byte(body), &st)
	st.ID = id
	return st, hh, year, err
}

// Get returns a settlement or reversal as answered (5203). Institutions see
// only their own.
func (s *Service) Get(ctx context.Context, id int64) (Settlement, error) {
	inst, err := s.readScope(ctx)
	if err != nil {
		return Settlement{}, err
	}
	st, _, _, err := loadSettlement(ctx, s.db, inst, id)
	return st, err
}

func civilDay(t time.Time) civil.Date { return civil.Of(t.In(China)) }
