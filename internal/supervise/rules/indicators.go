package rules

import (
	"fmt"

	"ncms/internal/money"
)

// Month is one institution's sums over one month's live settlements
// (reversed settlements and reversals left out), the raw material of the
// institution indicators (SPEC §10).
type Month struct {
	InstitutionID int64     `json:"institution_id"`
	Level         string    `json:"level"`
	Period        string    `json:"period"` // YYYY-MM
	Settlements   int       `json:"settlements"`
	Inpatient     int       `json:"inpatient"` // inpatient settlements (stays)
	Referrals     int       `json:"referrals"` // stays that were referrals
	BedDays       int       `json:"bed_days"`  // Σ max(1, end − begin) over stays
	Cost          money.Fen `json:"cost"`      // Σ medfee, all settlements
	InpCost       money.Fen `json:"inp_cost"`  // Σ medfee of stays
	Drug          money.Fen `json:"drug"`      // Σ drug lines
	Essential     money.Fen `json:"essential"` // Σ essential drug lines
	SelfPaid      money.Fen `json:"self_paid"` // Σ fully self-paid + over ceiling
	InScope       money.Fen `json:"in_scope"`
	Fund          money.Fen `json:"fund"` // Σ paid by the funds
}

// Indicator codes, in display order. Rates are basis points, money fen,
// days hundredths of a day.
const (
	HospRate      = "hosp_rate"       // 住院率: stays ÷ settlements
	AvgStayCost   = "avg_stay_cost"   // 次均住院费用
	AvgBedDayCost = "avg_bed_day"     // 床日费用
	AvgLOS        = "avg_los"         // 平均住院日 (1/100 day)
	DrugShare     = "drug_share"      // 药占比
	SelfPaidShare = "self_paid_share" // 自费比例
	InScopeShare  = "in_scope_share"  // 目录内费用占比
	CompRatio     = "comp_ratio"      // 实际补偿比
	EssentialShr  = "essential_share" // 基本药物占比 (of drug cost)
	ReferralRate  = "referral_rate"   // 转诊率 (of stays)
	CostGrowth    = "cost_growth"     // 次均住院费用同比 (this ÷ same month last year)
)

// IndicatorInfo names an indicator and says how it is judged.
type IndicatorInfo struct {
	Code   string
	Zh, En string
	Unit   string // "rate", "fen", "days"
	Higher bool   // higher is worse: judged against peers, own history and its maximum
}

// IndicatorList lists the indicators in display order.
var IndicatorList = []IndicatorInfo{
	{HospRate, "住院率", "Hospitalization rate", "rate", true},
	{AvgStayCost, "次均住院费用", "Average cost per stay", "fen", true},
	{AvgBedDayCost, "床日费用", "Average cost per bed-day", "fen", true},
	{AvgLOS, "平均住院日", "Average length of stay", "days", true},
	{DrugShare, "药占比", "Drug share of cost", "rate", true},
	{SelfPaidShare, "自费比例", "Self-paid share", "rate", true},
	{InScopeShare, "目录内费用占比", "Share of cost in scope", "rate", false},
	{CompRatio, "实际补偿比", "Actual compensation ratio", "rate", false},
	{EssentialShr, "基本药物占比", "Share of essential drugs", "rate", false},
	{ReferralRate, "转诊率", "Referral rate", "rate", true},
	{CostGrowth, "次均费用增长", "Cost growth (year on year)", "rate", false},
}

// opt is a value that may be absent (a zero denominator).
type opt struct {
	x  int64
	ok bool
}

func ratio(num, den int64) opt {
	if den == 0 {
		return opt{}
	}
	return opt{int64(money.Share(money.Fen(num), 10000, den)), true}
}

func div(num, den int64) opt {
	if den == 0 {
		return opt{}
	}
	return opt{int64(money.Share(money.Fen(num), 1, den)), true}
}

// Values computes the month's indicators (rounded half away from zero);
// an indicator whose denominator is 0 is absent. lastYear is the same month
// a year before (nil: no cost growth).
func (m Month) Values(lastYear *Month) map[string]int64 {
	v := map[string]int64{}
	set := func(code string, o opt) {
		if o.ok {
			v[code] = o.x
		}
	}
	set(HospRate, ratioI(m.Inpatient, m.Settlements))
	set(AvgStayCost, div(int64(m.InpCost), int64(m.Inpatient)))
	set(AvgBedDayCost, div(int64(m.InpCost), int64(m.BedDays)))
	set(AvgLOS, div(int64(m.BedDays)*100, int64(m.Inpatient)))
	set(DrugShare, ratio(int64(m.Drug), int64(m.Cost)))
	set(SelfPaidShare, ratio(int64(m.SelfPaid), int64(m.Cost)))
	set(InScopeShare, ratio(int64(m.InScope), int64(m.Cost)))
	set(CompRatio, ratio(int64(m.Fund), int64(m.Cost)))
	set(EssentialShr, ratio(int64(m.Essential), int64(m.Drug)))
	set(ReferralRate, ratioI(m.Referrals, m.Inpatient))
	if lastYear != nil && lastYear.Inpatient > 0 && m.Inpatient > 0 {
		now := div(int64(m.InpCost), int64(m.Inpatient))
		then := div(int64(lastYear.InpCost), int64(lastYear.Inpatient))
		set(CostGrowth, ratio(now.x, then.x))
	}
	return v
}

func ratioI(a, b int) opt { return ratio(int64(a), int64(b)) }

// Flag is one indicator of one month beyond a threshold.
type Flag struct {
	Code   string `json:"code"`
	Value  int64  `json:"value"`
	Basis  string `json:"basis"` // peers, history, max, min
	Bound  int64  `json:"bound"` // the threshold it crossed
	Zh, En string `json:"-"`
}

// mean returns the mean of code over rows (rows lacking it are skipped).
func mean(code string, rows []map[string]int64) (int64, bool) {
	var sum, n int64
	for _, r := range rows {
		if x, ok := r[code]; ok {
			sum += x
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	o := div(sum, n)
	return o.x, true
}

// Judge compares one month's values with its peers' values (same level,
// same month; the institution itself excluded by the caller), with its own
// earlier months and with the absolute limits, and returns the flags.
// Months with fewer than MinSettlements settlements are not judged.
func Judge(c Indicators, m Month, cur map[string]int64, peers, history []map[string]int64) []Flag {
	if m.Settlements < c.MinSettlements {
		return nil
	}
	var out []Flag
	flag := func(info IndicatorInfo, basis string, bound int64, zh, en string) {
		out = append(out, Flag{Code: info.Code, Value: cur[info.Code], Basis: basis, Bound: bound,
			Zh: info.Zh + " " + zh, En: info.En + " " + en})
	}
	for _, info := range IndicatorList {
		x, ok := cur[info.Code]
		if !ok {
			continue
		}
		if info.Higher {
			if pm, ok := mean(info.Code, peers); ok && len(peers) > 0 && c.PeerFactor > 0 {
				if bound := int64(money.Fen(pm).MulRate(c.PeerFactor)); x > bound && pm > 0 {
					flag(info, "peers", bound, fmt.Sprintf("高于同级机构均值 %s 倍", c.PeerFactor), fmt.Sprintf("above %s of the peers' mean", c.PeerFactor))
				}
			}
			if hm, ok := mean(info.Code, history); ok && c.HistoryFactor > 0 {
				if bound := int64(money.Fen(hm).MulRate(c.HistoryFactor)); x > bound && hm > 0 {
					flag(info, "history", bound, fmt.Sprintf("高于本机构前期均值 %s", c.HistoryFactor), fmt.Sprintf("above %s of its own earlier mean", c.HistoryFactor))
				}
			}
		}
		var max, min int64
		switch info.Code {
		case DrugShare:
			max = int64(c.DrugShareMax)
		case SelfPaidShare:
			max = int64(c.SelfPaidMax)
		case AvgLOS:
			max = int64(c.AvgStayDaysMax) * 100
		case CostGrowth:
			max = int64(c.CostGrowthMaxBP)
		case EssentialShr:
			min = int64(c.EssentialMinBP)
		}
		if max > 0 && x > max {
			flag(info, "max", max, "超过上限", "above its limit")
		}
		if min > 0 && x < min {
			flag(info, "min", min, "低于下限", "below its minimum")
		}
	}
	return out
}
