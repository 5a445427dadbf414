// Package scheme is the compensation-scheme language of ncms (补偿方案): a
// YAML file that says, for one year (or period) and one pooling area, which
// visit kinds exist and how much each fund pays for them. Parse reads and
// validates a file and compiles it into a Scheme, an immutable value the
// engine (internal/engine) evaluates; docs/scheme.md is the reference for
// people who write schemes.
//
// Every rule keeps where it came from (its key path and line), so the engine
// can cite it in its trace and validation errors can point at it.
package scheme

import (
	"ncms/internal/civil"
	"ncms/internal/money"
)

// MaxLevel is the highest scheme level number (levels are 0..MaxLevel).
const MaxLevel = 15

// MaxCapNames is the most distinct cap names a scheme may have.
const MaxCapNames = 16

// Where is the position of a rule in its scheme file.
type Where struct {
	Path string // key path, e.g. "ratios[2]"
	Line int    // 1-based line in the file
	text string // String(), computed once by Parse
}

// String returns e.g. "ratios[2] (line 34)".
func (w Where) String() string {
	if w.text != "" {
		return w.text
	}
	if w.Line == 0 {
		return w.Path
	}
	return w.Path + " (line " + itoa(w.Line) + ")"
}

// Base names which part of the patient's remaining share a layer works on.
type Base int

// The bases of the layers above basic compensation.
const (
	BaseInScope Base = iota // in-scope amount the patient still bears (政策范围内自付)
	BasePolicy              // in-scope own share + class-B first self-pay (合规自付)
	BaseAll                 // everything the patient still bears (全部自付)
)

var baseNames = [...]string{"inscope", "policy", "all"}

// String returns the keyword used in scheme files.
func (b Base) String() string { return baseNames[b] }

// Scheme is one compiled, validated compensation scheme. It is read-only
// after Parse and safe for concurrent use.
type Scheme struct {
	ID, Name, Area string
	From, To       civil.Date // benefit period, inclusive
	WindowFrom     civil.Date // enrollment window; a payment after WindowTo is late
	WindowTo       civil.Date
	WaitingDays    int // waiting period after a late payment (Chongqing: 90)

	Levels     map[string]int // institution level code -> scheme level number
	Tiers      []int          // contribution tiers (档次); [1] when the file names none
	Kinds      []Kind
	Categories []string // person category codes usable in conditions
	CertKinds  []string // disease-certificate kinds (chronic, major, ...)

	Deductibles  []Deductible
	Ratios       []Ratio
	Adjustments  []Adjustment
	Caps         []Cap // grouped by name: the first matching row of a name applies
	Fixed        []Fixed
	PerDisease   []PerDisease
	Catastrophic []Layer2
	Assistance   []Assist
	Backstop     []Backstop

	CapNames []string // distinct cap names in file order

	kindIndex map[string]int
	catIndex  map[string]int
	certIndex map[string]int
	capGroups [][]int // per CapNames entry, indexes into Caps
}

// Kind is a visit kind the scheme covers (普通门诊, 住院, 住院分娩, ...).
type Kind struct {
	Code             string // key used in cases and rules, e.g. "inpatient"
	Name             string // Chinese name for slips
	MedType          string // HIS med_type code, e.g. "21"
	Admission        bool   // an inpatient admission (counted; clr_type 21)
	Certificate      string // certificate kind the person must hold for Visit.Disease
	Statement        bool   // needs the village's injury statement; third-party cases excluded
	PreAdmissionDays int    // lines dated up to this many days before admission still count
	Index            int

	// YTD pool keys, precomputed so the engine does not build strings.
	CostKey, PaidKey string
}

// Cond is the "when" of a rule: every condition given must hold. Bit sets
// are indexed by kind, level, tier, category and certificate-kind numbers;
// an empty set means "any".
type Cond struct {
	Kinds, Levels, Tiers uint64
	Categories, Certs    uint64
	InCounty, Agreement  Tri
	Referral, Designated Tri
	Sex                  int8 // 0 any, 1 male, 2 female
	AgeMin, AgeMax       int  // -1 when not given
	Diseases             []string
	YearCostBelow        money.Fen // 0: not given
}

// Tri is a yes/no condition that may be absent.
type Tri int8

// Values of Tri.
const (
	Any Tri = iota
	Yes
	No
)

// Facts are what conditions are evaluated against; the engine builds them
// once per settlement.
type Facts struct {
	Kind, Level, Tier   int
	Categories, Certs   uint64
	InCounty, Agreement bool
	Referral            bool
	Designated          bool
	Sex                 int8
	Age                 int // -1 when the birth date is unknown
	Diagnoses           []string
	YearCost            money.Fen // this year's admission cost including this visit
}

// Match reports whether every condition of c holds for f.
func (c *Cond) Match(f *Facts) bool {
	if c.Kinds != 0 && c.Kinds&(1<<uint(f.Kind)) == 0 ||
		c.Levels != 0 && c.Levels&(1<<uint(f.Level)) == 0 ||
		c.Tiers != 0 && (f.Tier < 0 || f.Tier > 63 || c.Tiers&(1<<uint(f.Tier)) == 0) ||
		c.Categories != 0 && c.Categories&f.Categories == 0 ||
		c.Certs != 0 && c.Certs&f.Certs == 0 {
		return false
	}
	if !c.InCounty.ok(f.InCounty) || !c.Agreement.ok(f.Agreement) ||
		!c.Referral.ok(f.Referral) || !c.Designated.ok(f.Designated) {
		return false
	}
	if c.Sex != 0 && c.Sex != f.Sex {
		return false
	}
	if c.AgeMin >= 0 && (f.Age < 0 || f.Age < c.AgeMin) || c.AgeMax >= 0 && (f.Age < 0 || f.Age > c.AgeMax) {
		return false
	}
	if c.YearCostBelow > 0 && f.YearCost >= c.YearCostBelow {
		return false
	}
	if len(c.Diseases) > 0 && !anyPrefix(f.Diagnoses, c.Diseases) {
		return false
	}
	return true
}

func (t Tri) ok(v bool) bool { return t == Any || (t == Yes) == v }

func anyPrefix(codes, prefixes []string) bool {
	for _, c := range codes {
		for _, p := range prefixes {
			if len(c) >= len(p) && c[:len(p)] == p {
				return true
			}
		}
	}
	return false
}

// ByLevel holds one value per scheme level; Has marks the levels given.
type ByLevel[T any] struct {
	Has uint64
	V   [MaxLevel + 1]T
}

// Get returns the value for level l and whether one is given.
func (b *ByLevel[T]) Get(l int) (T, bool) {
	var zero T
	if l < 0 || l > MaxLevel || b.Has&(1<<uint(l)) == 0 {
		return zero, false
	}
	return b.V[l], true
}

// Deductible is a row of "deductibles" (起付线).
type Deductible struct {
	At      Where
	When    Cond
	PerYear bool   // once a year: only the difference to what was paid this year is due
	Group   string // YTD key of a per-year deductible ("ded:" + group)
	Amount  ByLevel[money.Fen]
}

// Band is one band of a banded ratio: the part of the amount over Over, up to
// the next band's Over, is paid at Ratio.
type Band struct {
	Over  money.Fen
	Ratio money.Rate
}

// Ratio is a row of "ratios" (补偿比例): flat by level, or in bands.
type Ratio struct {
	At              Where
	When            Cond
	ByLevel         ByLevel[money.Rate] // used when Bands is empty
	Bands           []Band
	EssentialPoints money.Rate // extra points on the essential-drug part (基本药物)
}

// Adjustment is a row of "adjustments": every matching row applies, adding
// its points to the ratio and its percent to the deductible.
type Adjustment struct {
	At                Where
	Name              string
	When              Cond
	RatioPoints       money.Rate // e.g. -500 = minus 5 points
	DeductiblePercent money.Rate // e.g. 500 = deductible +5%; -5000 = halved
}

// CapPer says whose total a cap limits.
type CapPer int

// Values of CapPer.
const (
	PerPerson CapPer = iota
	PerHousehold
	PerDiseaseCert // one limit per certified disease
)

// CapPeriod says over what time a cap limits.
type CapPeriod int

// Values of CapPeriod.
const (
	PerYear CapPeriod = iota
	PerVisit
	PerDay
)

// Cap is a row of "caps" (封顶线 / 限额 / 定额).
type Cap struct {
	At              Where
	Name            string
	Key             string // YTD pool key "cap:" + Name
	When            Cond
	Amount          money.Fen
	Per             CapPer
	Period          CapPeriod
	PerMember       bool      // amount × household members
	PerExtraDisease money.Fen // added for each certified disease beyond the first
	ExtraCert       int       // certificate kind counted for PerExtraDisease (-1 any)
	CarryOver       bool      // add the person's carried-over balance (结转)
}

// FixedItem is one named fixed amount.
type FixedItem struct {
	Name   string
	Amount money.Fen
}

// Fixed is a row of "fixed": a fixed subsidy instead of deductible and ratio.
type Fixed struct {
	At                Where
	When              Cond
	Items             []FixedItem
	Total             money.Fen
	AfterPublicHealth bool // the public-health subsidy is applied first
}

// PerDisease is a row of "per_disease" (单病种定额 / 限价).
type PerDisease struct {
	At         Where
	Name       string
	When       Cond
	Pay        money.Fen // what the fund pays for the case
	PriceLimit money.Fen // 0: none; cost above it is borne by the institution
}

// Layer2 is a row of "catastrophic" (大病保险, or 二次补偿 secondary
// compensation): bands over the year's cumulative base.
type Layer2 struct {
	At        Where
	Name      string
	When      Cond
	Base      Base
	Bands     []Band
	AnnualCap money.Fen // 0: none
}

// Assist is a row of "assistance" (医疗救助).
type Assist struct {
	At        Where
	Name      string
	When      Cond
	Base      Base
	Threshold money.Fen // per visit
	Ratio     money.Rate
	AnnualCap money.Fen
}

// Backstop is a row of "backstop" (政府兜底).
type Backstop struct {
	At         Where
	Name       string
	When       Cond
	Base       Base
	MaxShare   money.Rate // patient bears at most this share of the base bill (0: not set)
	MaxPerYear money.Fen  // patient bears at most this much a year (0: not set)
	HasShare   bool
	HasYear    bool
}

// KindIndex returns the index of a kind code.
func (s *Scheme) KindIndex(code string) (int, bool) { i, ok := s.kindIndex[code]; return i, ok }

// Level returns the scheme level number for an institution level code; a
// plain number "0".."15" is accepted as itself.
func (s *Scheme) Level(code string) (int, bool) {
	if l, ok := s.Levels[code]; ok {
		return l, true
	}
	if len(code) > 0 && len(code) <= 2 {
		n := 0
		for i := 0; i < len(code); i++ {
			if code[i] < '0' || code[i] > '9' {
				return 0, false
			}
			n = n*10 + int(code[i]-'0')
		}
		if n <= MaxLevel {
			return n, true
		}
	}
	return 0, false
}

// CategoryBit returns the bit of a person category, or 0 if the scheme does not know it.
func (s *Scheme) CategoryBit(code string) uint64 {
	if i, ok := s.catIndex[code]; ok {
		return 1 << uint(i)
	}
	return 0
}

// CertIndex returns the number of a certificate kind.
func (s *Scheme) CertIndex(code string) (int, bool) { i, ok := s.certIndex[code]; return i, ok }

// CapGroup returns the rows (indexes into Caps) of the i-th cap name.
func (s *Scheme) CapGroup(i int) []int { return s.capGroups[i] }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
