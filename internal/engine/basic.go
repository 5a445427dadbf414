package engine

import (
	"ncms/internal/money"
	"ncms/internal/scheme"
)

// basic computes layer 1 (基本补偿): a per-disease payment, a fixed
// subsidy, or deductible and ratio; then the caps.
func (c *calc) basic() {
	pay, rule := c.basicBeforeCaps()
	limit, capped := c.caps(pay)
	if capped < pay {
		pay = capped
	}
	pay = money.Min(money.Max2(0, pay), c.room())
	c.r.Basic = pay
	c.consume(pay) // finish records pay in the pools of the caps used
	fp := c.fund(FundBasic, "基本医疗保险统筹基金", "basic", rule, pay, limit)
	fp.InScope = c.r.InScope
	if c.tr {
		fp.Info = c.joinTrace("basic")
	}
}

func (c *calc) basicBeforeCaps() (money.Fen, string) {
	for i := range c.s.PerDisease {
		if pd := &c.s.PerDisease[i]; pd.When.Match(&c.f) {
			return c.perDisease(pd), pd.At.String()
		}
	}
	for i := range c.s.Fixed {
		if fx := &c.s.Fixed[i]; fx.When.Match(&c.f) {
			return c.fixed(fx), fx.At.String()
		}
	}
	ded := c.deductible()
	return c.ratio(ded)
}

// perDisease: the fund pays a fixed amount; cost above the price limit is
// borne by the institution (hosp_part_amt).
func (c *calc) perDisease(pd *scheme.PerDisease) money.Fen {
	if pd.PriceLimit > 0 && c.r.MedFee > pd.PriceLimit {
		h := c.r.MedFee - pd.PriceLimit
		c.r.Hospital = h
		c.paid += h
		// the institution absorbs the out-of-scope parts first
		for _, b := range []*money.Fen{&c.bOut, &c.bPre, &c.bIn} {
			t := money.Min(h, money.Max2(0, *b))
			*b -= t
			h -= t
		}
		c.bIn -= h
		if c.tr {
			c.step("price_limit", pd.At.String(), c.r.Hospital,
				"单病种限价 "+pd.PriceLimit.String()+",超出部分 "+c.r.Hospital.String()+" 由医疗机构承担",
				"per-disease price limit "+pd.PriceLimit.String()+": "+c.r.Hospital.String()+" above it is borne by the institution")
		}
	}
	pay := money.Min(pd.Pay, c.room())
	if c.tr {
		c.step("per_disease", pd.At.String(), pay, "单病种定额 "+pd.Name+" 基金支付 "+pd.Pay.String(),
			"per-disease fixed payment "+pd.Name+": fund pays "+pd.Pay.String())
	}
	return pay
}

// fixed: fixed subsidy items, after (or before) the public-health subsidy.
func (c *calc) fixed(fx *scheme.Fixed) money.Fen {
	ph := money.Min(c.in.Visit.PublicHealth, c.room())
	var pay money.Fen
	if fx.AfterPublicHealth {
		if ph > 0 {
			c.publicHealth(ph)
		}
		pay = money.Min(fx.Total, c.room())
	} else {
		pay = money.Min(fx.Total, c.room())
		if ph = money.Min(ph, c.room()-pay); ph > 0 {
			c.publicHealth(ph)
		}
	}
	if c.tr {
		zh, en := "定额补助", "fixed subsidy"
		for _, it := range fx.Items {
			zh += " " + it.Name + " " + it.Amount.String()
			en += " " + it.Name + " " + it.Amount.String()
		}
		c.step("fixed", fx.At.String(), pay, zh+",合计 "+fx.Total.String()+",以剩余费用为限",
			en+", total "+fx.Total.String()+", at most the remaining cost")
	}
	return pay
}

func (c *calc) publicHealth(ph money.Fen) {
	c.r.PublicHealth = ph
	c.consume(ph)
	if c.tr {
		c.step("public_health", "", ph, "公共卫生住院分娩补助先行支付 "+ph.String(),
			"public-health delivery subsidy applied first: "+ph.String())
	}
}

// deductible returns the deductible applied to this visit (起付线).
func (c *calc) deductible() money.Fen {
	inscope := money.Max2(0, c.r.InScope)
	var row *scheme.Deductible
	var amt money.Fen
	for i := range c.s.Deductibles {
		d := &c.s.Deductibles[i]
		if a, ok := d.Amount.Get(c.f.Level); ok && d.When.Match(&c.f) {
			row, amt = d, a
			break
		}
	}
	if row == nil {
		c.step("deductible", "", 0, "本类就诊不设起付线", "no deductible for this kind of visit")
		return 0
	}
	var pct money.Rate
	for i := range c.s.Adjustments {
		if a := &c.s.Adjustments[i]; a.DeductiblePercent != 0 && a.When.Match(&c.f) {
			pct += a.DeductiblePercent
			if c.tr {
				c.step("adjust_deductible", a.At.String(), 0, a.Name+":起付线调整 "+a.DeductiblePercent.String(),
					a.Name+": deductible changed by "+a.DeductiblePercent.String())
			}
		}
	}
	full := money.Max2(0, amt+mulRate(amt, pct)) // R3: adjusted deductible
	due := full
	if row.PerYear {
		due = money.Max2(0, full-c.in.YTD.Pools.Get(row.Group))
	}
	ded := money.Min(due, inscope)
	c.r.Deductible = ded
	if row.PerYear {
		c.dedGroup = row.Group // finish records ded in this pool
	}
	if c.tr {
		per, perEn := "每次", "per admission"
		if row.PerYear {
			per, perEn = "每年一次(已付 "+c.in.YTD.Pools.Get(row.Group).String()+")", "once a year (already paid "+c.in.YTD.Pools.Get(row.Group).String()+")"
		}
		c.step("deductible", row.At.String(), ded,
			"起付线 "+full.String()+"("+itoa64(int64(c.f.Level))+"级,"+per+"),本次扣除 "+ded.String(),
			"deductible "+full.String()+" (level "+itoa64(int64(c.f.Level))+", "+perEn+"), applied "+ded.String())
	}
	return ded
}
