package engine

import (
	"strings"

	"ncms/internal/money"
)

// step appends a trace step when tracing is on.
func (c *calc) step(code, rule string, amt money.Fen, zh, en string) {
	if c.tr {
		c.r.Trace = append(c.r.Trace, Step{Code: code, Rule: rule, Amount: amt, Zh: zh, En: en})
	}
}

// joinTrace returns the steps since the previous fund as setl_proc_info text.
func (c *calc) joinTrace(layer string) string {
	steps := c.r.Trace[c.traceFrom:]
	c.traceFrom = len(c.r.Trace)
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s.Zh)
	}
	return b.String()
}

// fund appends one setldetail entry. Within the inline backing store the
// entry is still zero, so only the fields given are written (no copy of a
// whole FundPay into the heap).
func (c *calc) fund(typ, name, layer, rule string, pay, limit money.Fen) *FundPay {
	n := len(c.r.Funds)
	if n < cap(c.r.Funds) {
		c.r.Funds = c.r.Funds[:n+1]
	} else {
		c.r.Funds = append(c.r.Funds, FundPay{})
	}
	fp := &c.r.Funds[n]
	fp.Type, fp.Name, fp.Layer, fp.Rule, fp.Pay, fp.Limit = typ, name, layer, rule, pay, limit
	return fp
}

// traceLines explains the line split.
func (c *calc) traceLines() {
	if !c.tr {
		return
	}
	r := c.r
	for i := range r.Lines {
		sp := &r.Lines[i]
		l := &c.in.Lines[i]
		if sp.FullOwn == 0 && sp.OverLimit == 0 && sp.FirstSelf == 0 {
			continue
		}
		zh, en := "明细 "+sp.ID+" "+l.Name+" "+sp.Total.String()+":", "line "+sp.ID+" "+l.Code+" "+sp.Total.String()+":"
		if sp.Reason != NotSelfPaid {
			rs := sp.Reason.Text()
			zh += " 全自费(" + rs.Zh + ")"
			en += " fully self-paid (" + rs.En + ")"
		}
		if sp.OverLimit != 0 {
			zh += " 超限价 " + sp.OverLimit.String() + "(限价 " + l.PriceCap.String() + " × " + l.Qty.String() + ")"
			en += " over the price ceiling " + sp.OverLimit.String() + " (ceiling " + l.PriceCap.String() + " × " + l.Qty.String() + ")"
		}
		if sp.FirstSelf != 0 {
			zh += " 乙类先行自付 " + sp.FirstSelf.String() + "(" + money.Rate(l.SelfPay).String() + "),政策范围内 " + sp.InScope.String()
			en += " class B first self-pay " + sp.FirstSelf.String() + " (" + money.Rate(l.SelfPay).String() + "), in scope " + sp.InScope.String()
		}
		c.step("line", "", sp.Total, zh, en)
	}
	c.step("split", "", r.MedFee,
		"费用合计 "+r.MedFee.String()+" = 全自费 "+r.FullOwn.String()+" + 超限价 "+r.OverLimit.String()+
			" + 先行自付 "+r.FirstSelf.String()+" + 政策范围内 "+r.InScope.String(),
		"total "+r.MedFee.String()+" = fully self-paid "+r.FullOwn.String()+" + over ceiling "+r.OverLimit.String()+
			" + first self-pay "+r.FirstSelf.String()+" + in scope "+r.InScope.String())
	c.traceFrom = len(r.Trace)
}

// finish fills the totals, the fund list and the new year-to-date totals.
func (c *calc) finish(w *work) {
	r, in := c.r, c.in
	if r.Denied != nil {
		c.fund(FundBasic, "基本医疗保险统筹基金", "basic", "", 0, 0)
	}
	if r.PublicHealth > 0 {
		c.fund(FundOther, "公共卫生住院分娩补助", "public_health", "", r.PublicHealth, r.PublicHealth)
	}
	r.Other = r.Backstop + r.PublicHealth
	r.FundTotal = r.Basic + r.Catastrophic + r.Assistance + r.Other
	r.Patient = r.MedFee - r.FundTotal - r.Hospital
	if c.tr {
		c.step("patient", "", r.Patient,
			"基金合计 "+r.FundTotal.String()+",个人负担 "+r.Patient.String(),
			"funds pay "+r.FundTotal.String()+", the patient pays "+r.Patient.String())
	}
	if r.Denied != nil {
		r.YTD, r.HouseholdYTD = in.YTD, in.Household
		return
	}
	d := Totals{Visits: 1, Cost: r.MedFee, InScope: r.InScope, Deductible: r.Deductible,
		Basic: r.Basic, Catastrophic: r.Catastrophic, Assistance: r.Assistance, Backstop: r.Backstop,
		PublicHealth: r.PublicHealth, Patient: r.Patient, CatBase: c.catBase, BackstopOwn: c.backstopOwn}
	if c.kind.Admission {
		d.Admissions, d.AdmissionCost = 1, r.MedFee
	}
	pb := poolBuf{free: w.pools[:]}
	r.Delta = YTD{Totals: d, Pools: c.personPools(&pb)}
	r.HouseholdDelta = YTD{Pools: c.householdPools(&pb)}
	r.YTD = YTD{Totals: in.YTD.Totals.add(d, 1), Pools: pb.add(in.YTD.Pools, r.Delta.Pools)}
	r.HouseholdYTD = YTD{Totals: in.Household.Totals, Pools: pb.add(in.Household.Pools, r.HouseholdDelta.Pools)}
}

// personPools returns the changes of the person's pools: the per-year
// deductible, the caps used (by the basic payment), and the kind's cost and
// paid totals.
func (c *calc) personPools(pb *poolBuf) Pools {
	r := c.r
	dp := deltaPools{pb.start()}
	if c.dedGroup != "" {
		dp.add(c.dedGroup, r.Deductible)
	}
	for _, u := range c.uses[:c.nuses] {
		if !u.household {
			dp.add(u.key, r.Basic)
		}
	}
	dp.add(c.kind.CostKey, r.MedFee)
	dp.add(c.kind.PaidKey, r.Basic)
	if c.kind.Certificate != "" && c.in.Visit.Disease != "" { // e.g. chronic-disease payments per disease
		dp.add(c.kind.PaidKey+"#"+c.in.Visit.Disease, r.Basic)
	}
	return pb.take(dp.done())
}

// householdPools returns the changes of the household's pools: its caps
// used by the basic payment.
func (c *calc) householdPools(pb *poolBuf) Pools {
	hp := deltaPools{pb.start()}
	for _, u := range c.uses[:c.nuses] {
		if u.household {
			hp.add(u.key, c.r.Basic)
		}
	}
	return pb.take(hp.done())
}
