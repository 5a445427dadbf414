package his

import (
	"context"
	"fmt"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Totals are an institution's settlement totals over a range.
type Totals struct {
	MedFee  money.Fen
	FundPay money.Fen
	AcctPay money.Fen
	Count   int64
}

// rangeTotals sums an institution's settlements of one clearing type
// between from and to (settlement days in China). Net (reversals are
// negative settlements and count −1) unless gross, which leaves reversals
// out. TODO(settle): settle.DailyTotals has no clr_type split; this reads
// its settlements table until it does.
func rangeTotals(ctx context.Context, q db.Querier, inst int64, from, to civil.Date, clr string, gross bool) (Totals, error) {
	var t Totals
	var med, fund, acct int64
	cond := ""
	if gross {
		cond = " AND reverses_id IS NULL"
	}
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(medfee_sumamt), 0), COALESCE(SUM(fund_pay_sumamt), 0),
		COALESCE(SUM(acct_pay), 0), COALESCE(SUM(CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END), 0)
		FROM settlements WHERE institution_id = ? AND setl_date >= ? AND setl_date <= ? AND clr_type = ?`+cond,
		inst, from, to, clr).Scan(&med, &fund, &acct, &t.Count)
	t.MedFee, t.FundPay, t.AcctPay = money.Fen(med), money.Fen(fund), money.Fen(acct)
	return t, err
}

// reconcile is 3201: compare the HIS's totals for a date range and
// clearing type with ours.
func (s *Service) reconcile(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	d.code("insutype", false, "390")
	clr := d.code("clr_type", true, "11", "21")
	optins := d.str("setl_optins", false, 10)
	from, to := d.date("stmt_begndate", true), d.date("stmt_enddate", true)
	his := Totals{MedFee: d.amount("medfee_sumamt", true, true), FundPay: d.amount("fund_pay_sumamt", true, true),
		AcctPay: d.amount("acct_pay", false, true), Count: int64(d.small("fixmedins_setl_cnt", true, -1_000_000_000, 1_000_000_000))}
	gross := d.code("refd_setl_flag", false, "0", "1") == "0"
	if c.Len() == 0 && to.Before(from) {
		d.bad("stmt_enddate", "range", "对账结束日期早于开始日期", "stmt_enddate is before stmt_begndate")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	ours, err := rangeTotals(ctx, s.db, cl.inst.ID, from, to, clr, gross)
	if err != nil {
		return nil, err
	}
	rslt, dscr := compareTotals(his, ours)
	if optins == "" {
		optins = s.area
	}
	return map[string]any{"stmtinfo": map[string]string{"setl_optins": optins, "stmt_rslt": rslt, "stmt_rslt_dscr": dscr}}, nil
}

// compareTotals returns stmt_rslt (0 balanced, 1 not) and the differences.
func compareTotals(his, ours Totals) (string, string) {
	var diffs string
	add := func(name string, a, b string) {
		diffs += fmt.Sprintf("%s: 医院 %s, 经办机构 %s / HIS %s, ours %s; ", name, a, b, a, b)
	}
	if his.MedFee != ours.MedFee {
		add("medfee_sumamt", his.MedFee.String(), ours.MedFee.String())
	}
	if his.FundPay != ours.FundPay {
		add("fund_pay_sumamt", his.FundPay.String(), ours.FundPay.String())
	}
	if his.Count != ours.Count {
		add("fixmedins_setl_cnt", fmt.Sprint(his.Count), fmt.Sprint(ours.Count))
	}
	if diffs == "" {
		return "0", fmt.Sprintf("对账一致: %d 笔, 医疗费 %s, 基金支付 %s / balanced: %d settlements, medical fees %s, fund %s",
			ours.Count, ours.MedFee, ours.FundPay, ours.Count, ours.MedFee, ours.FundPay)
	}
	return "1", "对账不一致 / not balanced: " + diffs[:len(diffs)-2]
}
