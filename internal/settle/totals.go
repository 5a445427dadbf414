package settle

import (
	"context"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/money"
)

// DayTotal is one institution's settlements of one day (for 3201
// reconciliation): counts of settlements and reversals, and net sums
// (reversals are negative, so they cancel what they reverse).
type DayTotal struct {
	Date     civil.Date `json:"setl_date"`
	Settled  int        `json:"setl_cnt"`
	Reversed int        `json:"revs_cnt"`
	MedFee   money.Fen  `json:"medfee_sumamt"`
	FundPay  money.Fen  `json:"fund_pay_sumamt"`
	AcctPay  money.Fen  `json:"acct_pay"`
	CashPay  money.Fen  `json:"psn_cash_pay"`
	Basic    money.Fen  `json:"hifp_pay"`
	Hospital money.Fen  `json:"hosp_part_amt"`
	NetCount int        `json:"fixmedins_setl_cnt"` // settlements not reversed: Settled − Reversed
}

// DailyTotals returns an institution's totals per settlement day (China
// time) from from to to inclusive. An institution sees only its own.
func (s *Service) DailyTotals(ctx context.Context, institutionID int64, from, to civil.Date) ([]DayTotal, error) {
	inst, err := s.readScope(ctx)
	if err != nil {
		return nil, err
	}
	if inst != 0 && inst != institutionID {
		return nil, apperr.NotFoundf("医疗机构 / institution")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT setl_date,
		SUM(CASE WHEN reverses_id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN reverses_id IS NULL THEN 0 ELSE 1 END),
		SUM(medfee_sumamt), SUM(fund_pay_sumamt), SUM(acct_pay), SUM(psn_cash_pay), SUM(hifp_pay), SUM(hosp_part_amt)
		FROM settlements WHERE institution_id = ? AND setl_date >= ? AND setl_date <= ?
		GROUP BY setl_date ORDER BY setl_date`, institutionID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayTotal
	for rows.Next() {
		var t DayTotal
		var med, fund, acct, cash, basic, hosp int64
		if err := rows.Scan(&t.Date, &t.Settled, &t.Reversed, &med, &fund, &acct, &cash, &basic, &hosp); err != nil {
			return nil, err
		}
		t.MedFee, t.FundPay, t.AcctPay, t.CashPay = money.Fen(med), money.Fen(fund), money.Fen(acct), money.Fen(cash)
		t.Basic, t.Hospital, t.NetCount = money.Fen(basic), money.Fen(hosp), t.Settled-t.Reversed
		out = append(out, t)
	}
	return out, rows.Err()
}
