package engine

import (
	"ncms/internal/money"
	"ncms/internal/scheme"
)

// catastrophic computes layer 2 (大病保险 / 二次补偿): bands over the year's
// cumulative base; this visit gets banded(after) − banded(before).
func (c *calc) catastrophic() {
	var row *scheme.Layer2
	for i := range c.s.Catastrophic {
		if x := &c.s.Catastrophic[i]; x.When.Match(&c.f) {
			row = x
			break
		}
	}
	if row == nil {
		return
	}
	b := c.base(row.Base)
	before := c.in.YTD.CatBase
	after := before + b
	pay := banded(row.Bands, after) - banded(row.Bands, before) // R5
	limit := c.room()
	if row.AnnualCap > 0 {
		limit = money.Min(limit, money.Max2(0, row.AnnualCap-c.in.YTD.Catastrophic))
	}
	pay = money.Clamp(pay, 0, money.Min(limit, b))
	c.r.Catastrophic = pay
	c.consume(pay)
	c.catBase = b
	if c.tr {
		zh := row.Name + ":本年累计" + row.Base.String() + "自付 " + before.String() + " + 本次 " + b.String() + " = " + after.String() +
			";分段 " + bandsText(row.Bands, "超过", "按") + ";本次支付 " + pay.String()
		en := row.Name + ": year's cumulative own share (" + row.Base.String() + ") " + before.String() + " + " + b.String() + " = " + after.String() +
			"; bands " + bandsText(row.Bands, "over", "at") + "; pays " + pay.String()
		if row.AnnualCap > 0 {
			zh += "(年度限额 " + row.AnnualCap.String() + ",已付 " + c.in.YTD.Catastrophic.String() + ")"
			en += " (annual cap " + row.AnnualCap.String() + ", paid " + c.in.YTD.Catastrophic.String() + ")"
		}
		c.step("catastrophic", row.At.String(), pay, zh, en)
	}
	fp := c.fund(FundCatastrophic, row.Name, "catastrophic", row.At.String(), pay, limit)
	fp.InScope = b
	if c.tr {
		fp.Info = c.joinTrace("catastrophic")
	}
}

func bandsText(bands []scheme.Band, over, at string) string {
	s := ""
	for i, b := range bands {
		if i > 0 {
			s += ", "
		}
		s += over + " " + b.Over.String() + " " + at + " " + b.Ratio.String()
	}
	return s
}

// assistance computes layer 3 (医疗救助): ratio × (base − threshold), within
// the annual limit.
func (c *calc) assistance() {
	var row *scheme.Assist
	for i := range c.s.Assistance {
		if x := &c.s.Assistance[i]; x.When.Match(&c.f) {
			row = x
			break
		}
	}
	if row == nil {
		return
	}
	b := c.base(row.Base)
	over := money.Max2(0, b-row.Threshold)
	pay := mulRate(over, row.Ratio) // R6
	limit := c.room()
	if row.AnnualCap > 0 {
		limit = money.Min(limit, money.Max2(0, row.AnnualCap-c.in.YTD.Assistance))
	}
	pay = money.Clamp(pay, 0, limit)
	c.r.Assistance = pay
	c.consume(pay)
	if c.tr {
		zh := row.Name + ":(" + b.String() + " − " + row.Threshold.String() + ") × " + row.Ratio.String() + " = " + over.MulRate(row.Ratio).String()
		en := row.Name + ": (" + b.String() + " − " + row.Threshold.String() + ") × " + row.Ratio.String() + " = " + over.MulRate(row.Ratio).String()
		if row.AnnualCap > 0 {
			zh += ";年度限额 " + row.AnnualCap.String() + ",已付 " + c.in.YTD.Assistance.String() + ",本次 " + pay.String()
			en += "; annual limit " + row.AnnualCap.String() + ", paid " + c.in.YTD.Assistance.String() + ", now " + pay.String()
		}
		c.step("assistance", row.At.String(), pay, zh, en)
	}
	fp := c.fund(FundAssistance, row.Name, "assistance", row.At.String(), pay, limit)
	fp.InScope = b
	if c.tr {
		fp.Info = c.joinTrace("assistance")
	}
}

// backstop computes layer 4 (政府兜底): pays whatever of the base exceeds
// what the patient may bear (a share of the bill and/or a yearly amount).
func (c *calc) backstop() {
	var row *scheme.Backstop
	for i := range c.s.Backstop {
		if x := &c.s.Backstop[i]; x.When.Match(&c.f) {
			row = x
			break
		}
	}
	if row == nil {
		return
	}
	b := c.base(row.Base)
	allowed := b
	if row.HasShare {
		bill := money.Max2(0, c.r.InScope)
		if row.Base >= scheme.BasePolicy {
			bill += money.Max2(0, c.r.FirstSelf)
		}
		if row.Base == scheme.BaseAll {
			bill = c.r.MedFee
		}
		allowed = money.Min(allowed, mulRate(bill, row.MaxShare)) // R7
	}
	if row.HasYear {
		allowed = money.Min(allowed, money.Max2(0, row.MaxPerYear-c.in.YTD.BackstopOwn))
	}
	pay := money.Clamp(b-allowed, 0, c.room())
	c.r.Backstop = pay
	c.consume(pay)
	c.backstopOwn = b - pay
	if c.tr {
		c.step("backstop", row.At.String(), pay,
			row.Name+":个人负担 "+b.String()+",可负担上限 "+allowed.String()+",兜底 "+pay.String(),
			row.Name+": patient's share "+b.String()+", allowed at most "+allowed.String()+", backstop pays "+pay.String())
	}
	fp := c.fund(FundOther, row.Name, "backstop", row.At.String(), pay, b)
	fp.InScope = b
	if c.tr {
		fp.Info = c.joinTrace("backstop")
	}
}
