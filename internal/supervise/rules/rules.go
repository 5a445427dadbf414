// Package rules holds the screening rules of supervision (SPEC §10) as pure
// functions: no SQL, no clock, no I/O. internal/supervise loads settlements,
// their lines (with the catalogue snapshot) and the person's other stays,
// calls Screen, and opens a case for every Hit. Each rule is documented in
// docs/supervision.md with its parameters, default and an example.
package rules

import (
	"ncms/internal/civil"
	"ncms/internal/money"
)

// Rule codes. A code is stable: cases and configurations refer to it.
const (
	Overlap      = "overlap_admission" // 冒名住院: two admissions of one person overlap
	Readmission  = "readmission"       // 分解住院: readmitted to the same institution within N days
	TotalLines   = "total_mismatch"    // 费用不符: settlement total ≠ sum of its lines
	Duplicate    = "duplicate_bill"    // 重复收费: the same bill settled twice
	OverTier     = "drug_over_tier"    // 超级别用药: drug not reimbursable at the institution's level
	ClassC       = "class_c_consent"   // 丙类未签知情同意: class C item without signed consent
	OverCeiling  = "over_ceiling"      // 超限价: unit price above the catalogue ceiling
	Markup       = "over_markup"       // 超加成: drug price above reference price + mark-up limit
	SexAge       = "sex_age"           // 性别年龄不符: item incompatible with the patient's sex or age
	LargeRx      = "large_rx"          // 超量处方: unusually large outpatient drug line
	Blacklisted  = "blacklist_review"  // 黑名单复核: a settlement of a person / institution / staff under review
	IndicatorOut = "indicator"         // 机构指标异常: an institution indicator beyond its thresholds
)

// Info describes a rule for pages and documentation.
type Info struct {
	Code   string
	Zh, En string
	// PerSettlement rules run in the settlement transaction (cheap: they read
	// the settlement's own lines and a few indexed rows); all run in batches.
	PerSettlement bool
}

// All lists the screening rules in display order.
var All = []Info{
	{Overlap, "同一人住院时间重叠(冒名住院)", "Overlapping admissions of one person", true},
	{Readmission, "出院后短期内再次入院(分解住院)", "Readmission within N days", true},
	{TotalLines, "结算总额与明细合计不符", "Visit total differs from the sum of its lines", true},
	{Duplicate, "重复收费/重复结算", "Duplicate bill", true},
	{OverTier, "超机构级别用药", "Drug above the institution's tier", true},
	{ClassC, "丙类项目未签知情同意", "Class C item without signed consent", true},
	{OverCeiling, "超最高限价收费", "Charge above the price ceiling", true},
	{Markup, "药品超加成率", "Drug mark-up above the limit", true},
	{SexAge, "项目与患者性别/年龄不符", "Item incompatible with the patient's sex or age", true},
	{LargeRx, "超大处方", "Unusually large prescription", true},
}

// Lookup returns the rule with code c.
func Lookup(c string) (Info, bool) {
	for _, r := range All {
		if r.Code == c {
			return r, true
		}
	}
	switch c {
	case Blacklisted:
		return Info{Blacklisted, "黑名单复核", "Blacklist review", true}, true
	case IndicatorOut:
		return Info{IndicatorOut, "机构指标异常", "Institution indicator outlier", false}, true
	}
	return Info{}, false
}

// Setting switches a rule on and says whether a hit refuses the settlement.
type Setting struct {
	Enabled bool `json:"enabled"`
	Block   bool `json:"block"` // refuse the settlement on a hit (only per-settlement rules)
}

// ItemLimit restricts items to a sex or an age range. An item matches when
// its code starts with CodePrefix (if set) or its name contains NameHas (if
// set).
type ItemLimit struct {
	CodePrefix string `json:"code_prefix,omitempty"`
	NameHas    string `json:"name_has,omitempty"`
	Sex        string `json:"sex,omitempty"`     // "1" male only, "2" female only, "" either
	MinAge     int    `json:"min_age,omitempty"` // inclusive; 0 none
	MaxAge     int    `json:"max_age,omitempty"` // inclusive; 0 none
}

// Matches reports whether the line falls under the limit.
func (l ItemLimit) Matches(code, name string) bool {
	switch {
	case l.CodePrefix != "" && len(code) >= len(l.CodePrefix) && code[:len(l.CodePrefix)] == l.CodePrefix:
		return true
	case l.NameHas != "" && contains(name, l.NameHas):
		return true
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Indicators are the thresholds of the institution indicators.
type Indicators struct {
	// PeerFactor: a value above PeerFactor × the mean of the institution's
	// peers (same level, same month) is an outlier (default 150%).
	PeerFactor money.Rate `json:"peer_factor"`
	// HistoryFactor: a value above HistoryFactor × the institution's own
	// mean over the HistoryMonths months before is an outlier (default 130%).
	HistoryFactor money.Rate `json:"history_factor"`
	HistoryMonths int        `json:"history_months"` // default 6
	// MinSettlements: months with fewer settlements are not judged (noise).
	MinSettlements int `json:"min_settlements"` // default 5
	// Absolute limits (0: none).
	DrugShareMax    money.Rate `json:"drug_share_max"`    // 药占比, default 45%
	SelfPaidMax     money.Rate `json:"self_paid_max"`     // 自费比例, default 20% (Panyu district limit)
	AvgStayDaysMax  int        `json:"avg_stay_days_max"` // average length of stay, default 15 days
	EssentialMinBP  money.Rate `json:"essential_min"`     // share of essential drugs at least, default 0 (off)
	CostGrowthMaxBP money.Rate `json:"cost_growth_max"`   // average cost per stay vs same month last year, default 120% (+20%)
}

// Config is one scheme year's screening configuration.
type Config struct {
	Year  int                `json:"year"`
	Rules map[string]Setting `json:"rules"`
	// ReadmitDays: a readmission to the same institution at most this many
	// days after discharge is flagged (default 15).
	ReadmitDays int `json:"readmit_days"`
	// DrugMarkup, HerbalMarkup: largest mark-up over the catalogue reference
	// price (SPEC §5: 15% drugs, 25% herbal pieces).
	DrugMarkup   money.Rate `json:"drug_markup"`
	HerbalMarkup money.Rate `json:"herbal_markup"`
	// RxMaxUnits, RxMaxAmount: an outpatient drug line with more units or a
	// larger amount is an unusually large prescription (default 60 units, 500 yuan).
	RxMaxUnits  int64     `json:"rx_max_units"`
	RxMaxAmount money.Fen `json:"rx_max_amount"`
	// ItemLimits: items reserved to one sex or an age range.
	ItemLimits []ItemLimit `json:"item_limits"`
	Indicators Indicators  `json:"indicators"`
	// Sampling shares (SPEC §10: Panyu 15% real-time, 25% manual; 2% follow-up).
	SpotRealtime money.Rate `json:"spot_realtime"`
	SpotClaims   money.Rate `json:"spot_claims"`
	FollowUp     money.Rate `json:"follow_up"`
}

// Default returns the documented defaults for year (docs/supervision.md):
// every rule on, none blocking.
func Default(year int) Config {
	c := Config{Year: year, Rules: map[string]Setting{}, ReadmitDays: 15,
		DrugMarkup: money.Percent(15), HerbalMarkup: money.Percent(25), RxMaxUnits: 60, RxMaxAmount: money.Yuan(500),
		ItemLimits: []ItemLimit{
			{NameHas: "前列腺", Sex: "1"},
			{NameHas: "子宫", Sex: "2"},
			{NameHas: "宫颈", Sex: "2"},
			{NameHas: "阴道", Sex: "2"},
			{NameHas: "分娩", Sex: "2", MinAge: 14, MaxAge: 55},
			{NameHas: "新生儿", MaxAge: 1},
		},
		Indicators: Indicators{PeerFactor: money.Percent(150), HistoryFactor: money.Percent(130), HistoryMonths: 6,
			MinSettlements: 5, DrugShareMax: money.Percent(45), SelfPaidMax: money.Percent(20), AvgStayDaysMax: 15,
			CostGrowthMaxBP: money.Percent(120)},
		SpotRealtime: money.Percent(15), SpotClaims: money.Percent(25), FollowUp: money.Percent(2)}
	for _, r := range All {
		c.Rules[r.Code] = Setting{Enabled: true}
	}
	return c
}

// Normalize fills missing settings and parameters from the defaults (a
// configuration saved before a rule existed gets the rule, switched on).
func (c *Config) Normalize() {
	d := Default(c.Year)
	if c.Rules == nil {
		c.Rules = map[string]Setting{}
	}
	for code, s := range d.Rules {
		if _, ok := c.Rules[code]; !ok {
			c.Rules[code] = s
		}
	}
	if c.ReadmitDays <= 0 {
		c.ReadmitDays = d.ReadmitDays
	}
	if c.Indicators.HistoryMonths <= 0 {
		c.Indicators.HistoryMonths = d.Indicators.HistoryMonths
	}
}

// On reports whether rule code is enabled.
func (c Config) On(code string) bool { return c.Rules[code].Enabled }

// Blocks reports whether a hit of rule code refuses the settlement.
func (c Config) Blocks(code string) bool { s := c.Rules[code]; return s.Enabled && s.Block }

// Ref points at the evidence of a hit: a settlement, and optionally one of
// its lines (fee_lines.id).
type Ref struct {
	SettlementID int64  `json:"setl_id"`
	VisitID      int64  `json:"mdtrt_id"`
	LineID       int64  `json:"line_id,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Hit is one finding of one rule. Key identifies it across runs (the same
// finding found by the settlement hook and again by a batch opens one case).
type Hit struct {
	Rule          string    `json:"rule"`
	Key           string    `json:"key"`
	InstitutionID int64     `json:"institution_id"`
	PersonID      int64     `json:"person_id"`
	Zh, En        string    `json:"-"`
	Amount        money.Fen `json:"amount"` // amount at issue (0: not a money finding)
	Evidence      []Ref     `json:"evidence"`
}

// Line is a settled fee line with its catalogue snapshot (fee_lines) and
// the catalogue facts the snapshot does not carry (kind, fee type,
// reference price).
type Line struct {
	ID       int64
	SN       string
	Code     string
	Name     string
	Kind     string   // drug, service, facility
	FeeType  string   // HIS med_chrgitm_type; "11" herbal pieces
	Class    string   // A, B, C
	Levels   []string // levels where reimbursable; empty all
	Approval int      // hosp_appr_flag: 0 none, 1 approved / consent signed, 2 refused
	Qty      int64    // 1/10,000 units
	Price    int64    // 1/1,000,000 yuan
	PriceCap int64    // 1/1,000,000 yuan; 0 none
	RefPrice int64    // catalogue reference price, 1/1,000,000 yuan; 0 unknown
	Total    money.Fen
	InScope  money.Fen
}

// Bill is one settlement with its visit, person and lines.
type Bill struct {
	SettlementID  int64
	VisitID       int64
	PersonID      int64
	InstitutionID int64
	Level         string // institution level
	ClrType       string // "11" outpatient, "21" inpatient
	Begin, End    civil.Date
	Sex           string // "1" male, "2" female
	Birth         civil.Date
	Invoice       string
	MedFee        money.Fen
	Lines         []Line
}

// Stay is an inpatient visit with a live settlement.
type Stay struct {
	SettlementID  int64
	VisitID       int64
	PersonID      int64
	InstitutionID int64
	Begin, End    civil.Date
}
