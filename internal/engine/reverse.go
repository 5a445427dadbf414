package engine

import "ncms/internal/money"

// Reverse returns the reversal (撤销) of a settlement: the same structure with
// every amount negated, and the year-to-date totals cur (person) and
// household with exactly what r added taken away again. cur and household
// are the totals as they stand now, which may include later visits.
func Reverse(r *Result, cur, household YTD) *Result {
	out := *r
	out.Reversal = !r.Reversal
	out.Lines = make([]LineSplit, len(r.Lines))
	for i, l := range r.Lines {
		out.Lines[i] = LineSplit{ID: l.ID, Total: -l.Total, FullOwn: -l.FullOwn, OverLimit: -l.OverLimit,
			FirstSelf: -l.FirstSelf, InScope: -l.InScope, Essential: l.Essential, Reason: l.Reason}
	}
	for _, p := range []*money.Fen{&out.MedFee, &out.FullOwn, &out.OverLimit, &out.FirstSelf, &out.InScope,
		&out.Essential, &out.Deductible, &out.Basic, &out.Catastrophic, &out.Assistance, &out.Other,
		&out.Backstop, &out.PublicHealth, &out.FundTotal, &out.Patient, &out.Hospital} {
		*p = -*p
	}
	out.Funds = make([]FundPay, len(r.Funds))
	for i, f := range r.Funds {
		f.InScope, f.Limit, f.Pay = -f.InScope, -f.Limit, -f.Pay
		out.Funds[i] = f
	}
	clear(out.funds[:])
	out.Delta = r.Delta.Neg()
	out.HouseholdDelta = r.HouseholdDelta.Neg()
	out.YTD = cur.Add(out.Delta)
	out.HouseholdYTD = household.Add(out.HouseholdDelta)
	out.Trace = nil
	if r.Trace != nil {
		out.Trace = []Step{{Code: "reversal", Amount: -r.FundTotal,
			Zh: "撤销结算:全部金额取反,年度累计扣回", En: "settlement reversed: every amount negated, year-to-date totals restored"}}
	}
	return &out
}
