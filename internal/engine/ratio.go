package engine

import (
	"ncms/internal/money"
	"ncms/internal/scheme"
)

// ratio applies the compensation ratio to the in-scope amount above the
// deductible; the essential-drug part gets the row's extra points.
func (c *calc) ratio(ded money.Fen) (money.Fen, string) {
	inscope := money.Max2(0, c.r.InScope)
	base := inscope - ded
	var row *scheme.Ratio
	var rate money.Rate
	for i := range c.s.Ratios {
		x := &c.s.Ratios[i]
		if v, ok := x.ByLevel.Get(c.f.Level); ok && x.When.Match(&c.f) {
			row, rate = x, v
			break
		}
	}
	if row == nil {
		c.step("ratio", "", 0, "方案对本次就诊没有补偿比例,基金不支付", "the scheme gives no ratio for this visit; the fund pays nothing")
		return 0, ""
	}
	var pts money.Rate
	for i := range c.s.Adjustments {
		if a := &c.s.Adjustments[i]; a.RatioPoints != 0 && a.When.Match(&c.f) {
			pts += a.RatioPoints
			if c.tr {
				c.step("adjust_ratio", a.At.String(), 0, a.Name+":比例调整 "+pointsText(a.RatioPoints)+" 个百分点",
					a.Name+": ratio changed by "+pointsText(a.RatioPoints)+" points")
			}
		}
	}
	ess := money.Clamp(c.r.Essential, 0, inscope)
	essAfter := ess - money.Max2(0, ded-(inscope-ess)) // the deductible comes off non-essential items first
	var num int64
	if len(row.Bands) > 0 {
		num = bandNum(row.Bands, pts, 0, base)
	} else {
		num = int64(base) * int64(clampRate(rate+pts))
	}
	num += int64(essAfter) * int64(clampRate(row.EssentialPoints))
	pay := money.Min(roundWhole(num), base) // R4: one rounding per visit
	if c.tr {
		c.traceRatio(row, rate+pts, base, ded, essAfter, pay)
	}
	return pay, row.At.String()
}

func (c *calc) traceRatio(row *scheme.Ratio, rate money.Rate, base, ded, essAfter, pay money.Fen) {
	inscope := money.Max2(0, c.r.InScope)
	var zh, en string
	if len(row.Bands) > 0 {
		zh, en = "("+inscope.String()+" − "+ded.String()+") 分段计算:", "("+inscope.String()+" − "+ded.String()+") in bands:"
		for _, b := range row.Bands {
			zh += " 超过 " + b.Over.String() + " 部分 " + clampRate(b.Ratio+rate).String()
			en += " over " + b.Over.String() + " at " + clampRate(b.Ratio+rate).String()
		}
	} else {
		r := clampRate(rate).String()
		zh = "(" + inscope.String() + " − " + ded.String() + ") × " + r
		en = zh
	}
	if row.EssentialPoints > 0 && essAfter > 0 {
		zh += " + 基本药物 " + essAfter.String() + " × " + row.EssentialPoints.String()
		en += " + essential drugs " + essAfter.String() + " × " + row.EssentialPoints.String()
	}
	c.step("ratio", row.At.String(), pay, zh+" = "+pay.String(), en+" = "+pay.String())
}

func pointsText(r money.Rate) string {
	s := r.String()
	s = s[:len(s)-1]
	if r > 0 {
		s = "+" + s
	}
	return s
}

func clampRate(r money.Rate) money.Rate {
	if r < 0 {
		return 0
	}
	if r > money.Whole {
		return money.Whole
	}
	return r
}

// bandNum returns Σ (part of (from, to] in band i) × (ratio_i + pts), in
// fen × basis points, unrounded. Bands are absolute: band i covers amounts
// over bands[i].Over up to bands[i+1].Over.
func bandNum(bands []scheme.Band, pts money.Rate, from, to money.Fen) int64 {
	var num int64
	for i, b := range bands {
		lo := money.Max2(from, b.Over)
		hi := to
		if i+1 < len(bands) {
			hi = money.Min(hi, bands[i+1].Over)
		}
		if hi > lo {
			num += int64(hi-lo) * int64(clampRate(b.Ratio+pts))
		}
	}
	return num
}

// banded returns the banded amount of x, rounded once (R5).
func banded(bands []scheme.Band, x money.Fen) money.Fen {
	return roundWhole(bandNum(bands, 0, 0, x))
}

// capUse remembers a cap applied to this visit, to record the payment.
type capUse struct {
	key       string
	household bool
}

// caps applies every cap name whose first matching row applies; it returns
// the tightest remaining limit (crt_payb_lmt_amt) and pay limited by it.
func (c *calc) caps(pay money.Fen) (limit, capped money.Fen) {
	limit, capped = pay, pay
	first := true
	for g := range c.s.CapNames {
		for _, i := range c.s.CapGroup(g) {
			cp := &c.s.Caps[i]
			if !cp.When.Match(&c.f) {
				continue
			}
			lim := c.capLimit(cp)
			u := c.capKey(cp)
			var used money.Fen
			if u.key != "" {
				if u.household {
					used = c.in.Household.Pools.Get(u.key)
				} else {
					used = c.in.YTD.Pools.Get(u.key)
				}
				c.uses[c.nuses] = u // at most one per cap name: fits
				c.nuses++
			}
			rem := money.Max2(0, lim-used)
			if first || rem < limit {
				limit, first = rem, false
			}
			if c.tr {
				zh, en := capText(cp, lim, used, rem, pay)
				c.step("cap", cp.At.String(), rem, zh, en)
			}
			capped = money.Min(capped, rem)
			break
		}
	}
	return limit, capped
}

func capText(cp *scheme.Cap, lim, used, rem, pay money.Fen) (string, string) {
	zh := "限额 " + cp.Name + " " + lim.String() + ",已用 " + used.String() + ",余 " + rem.String()
	en := "cap " + cp.Name + " " + lim.String() + ", used " + used.String() + ", left " + rem.String()
	if rem < pay {
		zh += ":本次 " + pay.String() + " 限为 " + rem.String()
		en += ": this visit's " + pay.String() + " limited to " + rem.String()
	}
	return zh, en
}

// capLimit is the cap's amount for this person and visit.
func (c *calc) capLimit(cp *scheme.Cap) money.Fen {
	p := &c.in.Person
	lim := cp.Amount
	if cp.PerMember {
		lim *= money.Fen(min(max(p.HouseholdMembers, 1), 1000))
	}
	if cp.PerExtraDisease > 0 {
		if n := c.certifiedDiseases(cp.ExtraCert); n > 1 {
			lim += cp.PerExtraDisease * money.Fen(min(n-1, 100))
		}
	}
	if cp.CarryOver {
		lim += p.Carryover
	}
	if cp.Period == scheme.PerDay {
		lim *= money.Fen(min(c.days(), 3660))
	}
	return lim
}

// certifiedDiseases counts distinct diseases with a valid certificate of kind k (-1: any).
func (c *calc) certifiedDiseases(k int) int {
	certs := c.in.Person.Certificates
	n := 0
	for i := range certs {
		ki, ok := c.s.CertIndex(certs[i].Kind)
		if !ok || (k >= 0 && ki != k) || !c.in.Visit.Start.Within(certs[i].From, certs[i].To) {
			continue
		}
		dup := false
		for j := 0; j < i; j++ {
			if certs[j].Disease == certs[i].Disease && certs[j].Kind == certs[i].Kind {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

func (c *calc) capKey(cp *scheme.Cap) capUse {
	switch {
	case cp.Period == scheme.PerVisit:
		return capUse{}
	case cp.Period == scheme.PerDay:
		return capUse{key: dateKey(cp.Key, c.in.Visit.Start), household: cp.Per == scheme.PerHousehold}
	case cp.Per == scheme.PerHousehold:
		return capUse{key: cp.Key, household: true}
	case cp.Per == scheme.PerDiseaseCert:
		return capUse{key: cp.Key + "#" + c.in.Visit.Disease}
	}
	return capUse{key: cp.Key}
}
