package stats

import (
	"fmt"
	"strconv"

	"ncms/internal/money"
)

// Kind is how a value is measured and printed.
type Kind string

// Value kinds.
const (
	Count   Kind = "count"   // a number of people, visits, households
	Amount  Kind = "money"   // fen, printed as yuan with 2 decimals
	Rate    Kind = "rate"    // basis points, printed as a percentage with 2 decimals
	Decimal Kind = "decimal" // hundredths, printed with 2 decimals (visits per person)
	Text    Kind = "text"
)

// Value is one cell: V in the unit of its kind; Known is false when the
// figure is undefined (a ratio over zero, a denominator the dimension does
// not have), printed as "—".
type Value struct {
	Kind  Kind   `json:"kind"`
	V     int64  `json:"v"`
	Known bool   `json:"known"`
	Text  string `json:"text,omitempty"`
}

// String prints the value the way a county table does (no thousands
// separators, so CSV and Excel read it as a number).
func (v Value) String() string {
	switch {
	case v.Kind == Text:
		return v.Text
	case !v.Known:
		return "—"
	case v.Kind == Amount:
		return money.Fen(v.V).String()
	case v.Kind == Rate:
		return money.Fen(v.V).String() + "%"
	case v.Kind == Decimal:
		return money.Fen(v.V).String()
	}
	return strconv.FormatInt(v.V, 10)
}

// MarshalText is the printed form (JSON carries exact strings, never floats).
func (v Value) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func cnt(n int64) Value     { return Value{Kind: Count, V: n, Known: true} }
func amt(f money.Fen) Value { return Value{Kind: Amount, V: int64(f), Known: true} }
func textV(s string) Value  { return Value{Kind: Text, Text: s, Known: true} }
func unknown(k Kind) Value  { return Value{Kind: k} }

// ratio is a ÷ b in basis points, rounded half away from zero once;
// unknown when b is not positive.
func ratio(a, b int64) Value {
	if b <= 0 {
		return unknown(Rate)
	}
	return Value{Kind: Rate, V: int64(money.Share(money.Fen(a), int64(money.Whole), b)), Known: true}
}

// per is a ÷ b as an amount (fen per unit), rounded half away from zero.
func per(a money.Fen, b int64) Value {
	if b <= 0 {
		return unknown(Amount)
	}
	return amt(money.Share(a, 1, b))
}

// perHundredths is a ÷ b to two decimals.
func perHundredths(a, b int64) Value {
	if b <= 0 {
		return unknown(Decimal)
	}
	return Value{Kind: Decimal, V: int64(money.Share(money.Fen(a), 100, b)), Known: true}
}

// Change is the year-on-year change of cur against prev: for rates, the
// difference in percentage points; for everything else the relative
// change (cur − prev) ÷ prev. Unknown when either is unknown or prev is 0.
func Change(cur, prev Value) Value {
	if !cur.Known || !prev.Known || cur.Kind == Text {
		return unknown(Rate)
	}
	if cur.Kind == Rate {
		return Value{Kind: Rate, V: cur.V - prev.V, Known: true, Text: "pp"}
	}
	if prev.V == 0 {
		return unknown(Rate)
	}
	d := cur.V - prev.V
	if prev.V < 0 {
		d = -d
	}
	return ratio(d, abs(prev.V))
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Fund is the county-wide fund position of the scheme year (from the fund
// report of internal/fund): what utilization is measured against.
type Fund struct {
	Known       bool      `json:"known"`
	Raised      money.Fen `json:"raised"`
	Received    money.Fen `json:"received"`
	Reserve     money.Fen `json:"reserve"`
	Usable      money.Fen `json:"usable"`
	MonthlyPlan money.Fen `json:"monthly_plan"`
	Balance     money.Fen `json:"balance"` // cumulative surplus (net assets of the fund)
}

// Indicator is one statistic of SPEC §12: its key, names, kind, and its
// definition as a function of the cell's facts (fund and months are the
// county's fund position and the period's months, for the fund ratios).
type Indicator struct {
	Key    string
	Zh, En string
	Kind   Kind
	Def    string // the definition, as docs/stats.md prints it
	Of     func(f *Facts, c Ctx) Value
}

// Ctx is what an indicator may need beyond the cell's facts.
type Ctx struct {
	Fund   Fund // Known only for the whole county
	Months int  // months of the period
	Area   bool // the cell has area denominators (whole scope, township, village)
}

// What a cube must read for the indicators a report shows: the fund
// position (a dozen ledger queries), the area denominators (enrollments and
// the registry, grouped by area) and the high-cost persons. Each is found
// by evaluating the indicator on the same facts with and without it, so a
// new indicator needs no list kept by hand.
func readsFund(in Indicator) bool {
	return reads(in, func(_ *Facts, x *Ctx) { x.Fund = Fund{} })
}

func readsArea(in Indicator) bool {
	return reads(in, func(f *Facts, _ *Ctx) { f.Enrollees, f.EnrolledHouses, f.Eligible, f.Households = 0, 0, 0, 0 })
}

func readsHigh(in Indicator) bool {
	return reads(in, func(f *Facts, _ *Ctx) { f.High10, f.High30, f.High50 = 0, 0, 0 })
}

// reads reports whether in's value changes when without takes something
// away from a cell where every fact and the fund are known.
func reads(in Indicator, without func(*Facts, *Ctx)) bool {
	if in.Of == nil { // a share of the total (cellValue)
		return false
	}
	f := Facts{Visits: 30, Benefited: 20, Outpatient: 20, Admissions: 10, ReferOut: 2, InCounty: 25, Claims: 3, PoorVisits: 4,
		Cost: 9000, InScope: 8000, Basic: 4000, Catastrophic: 500, Assistance: 300, Other: 200, Fund: 5000, OutCost: 3000,
		InCost: 6000, OutFund: 1000, InFund: 4000, InBasic: 3500, InCountyFund: 4200, PoorCost: 900, PoorFund: 700,
		Enrollees: 50, EnrolledHouses: 20, Eligible: 60, Households: 25, High10: 3, High30: 2, High50: 1}
	x := Ctx{Fund: Fund{Known: true, Raised: 11000, Received: 5000, Reserve: 500, Usable: 10000, MonthlyPlan: 800, Balance: 3000},
		Months: 12, Area: true}
	g, y := f, x
	without(&g, &y)
	return in.Of(&f, x) != in.Of(&g, y)
}

func areaOnly(c Ctx, v Value) Value {
	if !c.Area {
		return unknown(v.Kind)
	}
	return v
}

func fundOnly(c Ctx, k Kind, f func() Value) Value {
	if !c.Fund.Known {
		return unknown(k)
	}
	return f()
}

// Indicators are every indicator, in the order of the summary table.
var Indicators = []Indicator{
	{"enrollees", "参合人数", "Enrollees", Count, "enrollments of the scheme year in force",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.Enrollees)) }},
	{"eligible", "农业人口", "Eligible population", Count, "registered people not moved out or deceased before the period",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.Eligible)) }},
	{"participation_rate", "参合率", "Participation rate", Rate, "enrollees ÷ eligible population",
		func(f *Facts, c Ctx) Value { return areaOnly(c, ratio(f.Enrollees, f.Eligible)) }},
	{"enrolled_households", "参合户数", "Enrolled households", Count, "households with an enrollee",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.EnrolledHouses)) }},
	{"household_rate", "户参合率", "Household participation rate", Rate, "enrolled households ÷ households with an eligible member",
		func(f *Facts, c Ctx) Value { return areaOnly(c, ratio(f.EnrolledHouses, f.Households)) }},
	{"raised", "筹资总额", "Fund raised", Amount, "contribution income of the year, all sources (fund report)",
		func(f *Facts, c Ctx) Value { return fundOnly(c, Amount, func() Value { return amt(c.Fund.Raised) }) }},
	{"arrival_rate", "到账率", "Arrival rate", Rate, "received ÷ due, all sources (fund report)",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(c.Fund.Received), int64(c.Fund.Raised)) })
		}},
	{"usable", "可用基金", "Usable fund", Amount, "raised − risk reserve (− earmarked pools)",
		func(f *Facts, c Ctx) Value { return fundOnly(c, Amount, func() Value { return amt(c.Fund.Usable) }) }},
	{"monthly_plan", "月度计划支出", "Monthly plan", Amount, "usable ÷ 12",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Amount, func() Value { return amt(c.Fund.MonthlyPlan) })
		}},
	{"utilization", "基金使用率", "Fund utilization", Rate, "compensation of the period ÷ usable fund of the year",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(f.Fund), int64(c.Fund.Usable)) })
		}},
	{"utilization_raised", "基金使用率（对筹资）", "Utilization of fund raised", Rate, "compensation of the period ÷ fund raised",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(f.Fund), int64(c.Fund.Raised)) })
		}},
	{"plan_rate", "计划执行率", "Spending vs plan", Rate, "compensation ÷ (monthly plan × months of the period)",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(f.Fund), int64(c.Fund.MonthlyPlan)*int64(c.Months)) })
		}},
	{"surplus_ratio", "当期结余率", "Surplus ratio", Rate, "(raised − compensation of the period) ÷ raised",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(c.Fund.Raised-f.Fund), int64(c.Fund.Raised)) })
		}},
	{"cumulative_surplus_ratio", "累计结余率", "Cumulative surplus ratio", Rate, "fund balance ÷ raised (fund report)",
		func(f *Facts, c Ctx) Value {
			return fundOnly(c, Rate, func() Value { return ratio(int64(c.Fund.Balance), int64(c.Fund.Raised)) })
		}},
	{"visits", "补偿人次", "Compensated visits", Count, "settlements − reversals + approved claims",
		func(f *Facts, c Ctx) Value { return cnt(f.Visits) }},
	{"benefited", "受益人次", "Benefited person-times", Count, "visits the funds paid something for",
		func(f *Facts, c Ctx) Value { return cnt(f.Benefited) }},
	{"benefit_rate", "受益率", "Benefit rate", Rate, "benefited person-times ÷ enrollees",
		func(f *Facts, c Ctx) Value { return areaOnly(c, ratio(f.Benefited, f.Enrollees)) }},
	{"outpatient", "门诊人次", "Outpatient visits", Count, "outpatient settlements (clr_type 11)",
		func(f *Facts, c Ctx) Value { return cnt(f.Outpatient) }},
	{"admissions", "住院人次", "Admissions", Count, "inpatient settlements (clr_type 21)",
		func(f *Facts, c Ctx) Value { return cnt(f.Admissions) }},
	{"visits_per_person", "人均就诊次数", "Visits per enrollee", Decimal, "visits ÷ enrollees",
		func(f *Facts, c Ctx) Value { return areaOnly(c, perHundredths(f.Visits, f.Enrollees)) }},
	{"hospitalization_rate", "住院率", "Hospitalization rate", Rate, "admissions ÷ enrollees",
		func(f *Facts, c Ctx) Value { return areaOnly(c, ratio(f.Admissions, f.Enrollees)) }},
	{"cost", "医疗总费用", "Total medical cost", Amount, "Σ medfee_sumamt",
		func(f *Facts, c Ctx) Value { return amt(f.Cost) }},
	{"in_scope", "政策范围内费用", "In-scope cost", Amount, "Σ inscp_scp_amt",
		func(f *Facts, c Ctx) Value { return amt(f.InScope) }},
	{"basic", "基本医疗补偿", "Basic compensation", Amount, "Σ basic layer (hifp_pay)",
		func(f *Facts, c Ctx) Value { return amt(f.Basic) }},
	{"catastrophic", "大病保险", "Catastrophic insurance", Amount, "Σ catastrophic layer (hifmi_pay)",
		func(f *Facts, c Ctx) Value { return amt(f.Catastrophic) }},
	{"assistance", "医疗救助", "Medical assistance", Amount, "Σ assistance layer (maf_pay)",
		func(f *Facts, c Ctx) Value { return amt(f.Assistance) }},
	{"other", "政府兜底及其他", "Backstop and other", Amount, "Σ other funds (oth_pay)",
		func(f *Facts, c Ctx) Value { return amt(f.Other) }},
	{"compensation", "补偿合计", "Compensation", Amount, "Σ all layers (fund_pay_sumamt)",
		func(f *Facts, c Ctx) Value { return amt(f.Fund) }},
	{"outpatient_compensation", "门诊补偿", "Outpatient compensation", Amount, "compensation of outpatient visits",
		func(f *Facts, c Ctx) Value { return amt(f.OutFund) }},
	{"inpatient_compensation", "住院补偿", "Inpatient compensation", Amount, "compensation of admissions",
		func(f *Facts, c Ctx) Value { return amt(f.InFund) }},
	{"outpatient_share", "门诊补偿占比", "Outpatient share of compensation", Rate, "outpatient compensation ÷ compensation",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.OutFund), int64(f.Fund)) }},
	{"inpatient_share", "住院补偿占比", "Inpatient share of compensation", Rate, "inpatient compensation ÷ compensation",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.InFund), int64(f.Fund)) }},
	{"actual_ratio", "实际补偿比", "Actual compensation ratio", Rate, "basic compensation ÷ total medical cost",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.Basic), int64(f.Cost)) }},
	{"inpatient_actual_ratio", "住院实际补偿比", "Inpatient actual compensation ratio", Rate, "inpatient basic compensation ÷ inpatient cost",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.InBasic), int64(f.InCost)) }},
	{"guarantee", "综合保障水平", "Comprehensive guarantee level", Rate, "all layers ÷ total medical cost",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.Fund), int64(f.Cost)) }},
	{"poor_guarantee", "贫困人口综合保障水平", "Guarantee level, registered poor", Rate, "all layers ÷ cost, visits of registered poor people",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.PoorFund), int64(f.PoorCost)) }},
	{"per_capita", "人均补偿", "Compensation per enrollee", Amount, "compensation ÷ enrollees",
		func(f *Facts, c Ctx) Value { return areaOnly(c, per(f.Fund, f.Enrollees)) }},
	{"per_visit", "次均补偿", "Compensation per visit", Amount, "compensation ÷ visits",
		func(f *Facts, c Ctx) Value { return per(f.Fund, f.Visits) }},
	{"avg_visit_cost", "门诊次均费用", "Average cost per outpatient visit", Amount, "outpatient cost ÷ outpatient visits",
		func(f *Facts, c Ctx) Value { return per(f.OutCost, f.Outpatient) }},
	{"avg_stay_cost", "住院次均费用", "Average cost per stay", Amount, "inpatient cost ÷ admissions",
		func(f *Facts, c Ctx) Value { return per(f.InCost, f.Admissions) }},
	{"referral_share", "转外住院占比", "Referred-out share of admissions", Rate, "admissions referred out (med_type 23) ÷ admissions",
		func(f *Facts, c Ctx) Value { return ratio(f.ReferOut, f.Admissions) }},
	{"in_county_share", "县内就诊率", "In-county share of visits", Rate, "visits at in-county institutions ÷ visits",
		func(f *Facts, c Ctx) Value { return ratio(f.InCounty, f.Visits) }},
	{"in_county_fund_share", "县内补偿占比", "In-county share of compensation", Rate, "compensation at in-county institutions ÷ compensation",
		func(f *Facts, c Ctx) Value { return ratio(int64(f.InCountyFund), int64(f.Fund)) }},
	{"high_10_30", "补偿1-3万元人数", "Persons compensated 10–30k", Count, "people whose compensation in the period is 10,000–29,999.99",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.High10)) }},
	{"high_30_50", "补偿3-5万元人数", "Persons compensated 30–50k", Count, "people whose compensation in the period is 30,000–49,999.99",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.High30)) }},
	{"high_50", "补偿5万元以上人数", "Persons compensated over 50k", Count, "people whose compensation in the period is 50,000 or more",
		func(f *Facts, c Ctx) Value { return areaOnly(c, cnt(f.High50)) }},
}

// IndicatorByKey finds an indicator.
func IndicatorByKey(key string) (Indicator, bool) {
	for _, in := range Indicators {
		if in.Key == key {
			return in, true
		}
	}
	return Indicator{}, false
}

func mustIndicator(key string) Indicator {
	in, ok := IndicatorByKey(key)
	if !ok {
		panic(fmt.Sprintf("stats: no indicator %q", key))
	}
	return in
}
