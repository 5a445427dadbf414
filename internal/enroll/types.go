package enroll

import (
	"fmt"
	"slices"

	"ncms/internal/civil"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// Source is who pays a part of the contribution (筹资来源).
type Source string

// The sources. Government names "all levels of government" for standards
// that do not split it (Pan county: individual 30 + government 200).
// CivilAffairs is not part of a standard: it pays the individual share for
// subsidized categories (民政代缴).
const (
	Individual   Source = "individual"
	Central      Source = "central"
	Provincial   Source = "provincial"
	City         Source = "city"
	County       Source = "county"
	Township     Source = "township"
	Government   Source = "government"
	CivilAffairs Source = "civil_affairs"
)

// Sources lists every source in display order.
var Sources = []Source{Individual, CivilAffairs, Central, Provincial, City, County, Township, Government}

// StandardSources are the sources a contribution standard may name.
var StandardSources = []Source{Individual, Central, Provincial, City, County, Township, Government}

var sourceNames = map[Source][2]string{
	Individual:   {"个人缴费", "individual"},
	CivilAffairs: {"民政代缴", "civil affairs"},
	Central:      {"中央财政", "central government"},
	Provincial:   {"省级财政", "provincial government"},
	City:         {"市级财政", "city government"},
	County:       {"县级财政", "county government"},
	Township:     {"乡镇财政", "township government"},
	Government:   {"各级财政", "all levels of government"},
}

// Label returns the source's Chinese and English names.
func (s Source) Label() (zh, en string) {
	n, ok := sourceNames[s]
	if !ok {
		return string(s), string(s)
	}
	return n[0], n[1]
}

// Zh returns the Chinese name of the source.
func (s Source) Zh() string { zh, _ := s.Label(); return zh }

// Valid reports whether s is a known source.
func (s Source) Valid() bool { _, ok := sourceNames[s]; return ok }

// IsGovernment reports whether the source is a level of government (whose
// money arrives later in installments), not the person or civil affairs.
func (s Source) IsGovernment() bool { return s.Valid() && s != Individual && s != CivilAffairs }

// Status is the state of a scheme year.
type Status string

// The year statuses: a draft year is being set up, an open year takes
// enrollments, a closed year takes none.
const (
	Draft  Status = "draft"
	Open   Status = "open"
	Closed Status = "closed"
)

// Label returns the status's Chinese and English names.
func (s Status) Label() (zh, en string) {
	switch s {
	case Draft:
		return "草稿", "draft"
	case Open:
		return "开放参合", "open"
	case Closed:
		return "已关闭", "closed"
	}
	return string(s), string(s)
}

// Zh returns the Chinese name of the status.
func (s Status) Zh() string { zh, _ := s.Label(); return zh }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Draft || s == Open || s == Closed }

// Year is one scheme year (参合年度) with its standards.
type Year struct {
	Year        int        `json:"year"`
	PeriodFrom  civil.Date `json:"period_from"` // benefits run PeriodFrom..PeriodTo (default 1 Jan – 31 Dec)
	PeriodTo    civil.Date `json:"period_to"`
	WindowFrom  civil.Date `json:"window_from"` // contributions are collected WindowFrom..WindowTo
	WindowTo    civil.Date `json:"window_to"`
	WaitingDays int        `json:"waiting_days"` // late payers are covered from payment + WaitingDays
	Status      Status     `json:"status"`
	Note        string     `json:"note"`
	ReceiptSeq  int64      `json:"receipt_seq"` // receipts issued so far

	Standards []Standard `json:"standards"` // by tier, then source order
	Subsidies []Subsidy  `json:"subsidies"` // civil-affairs subsidies by category
}

// Tiers returns the tiers the standards define, ascending.
func (y Year) Tiers() []int {
	var out []int
	seen := map[int]bool{}
	for _, s := range y.Standards {
		if !seen[s.Tier] {
			seen[s.Tier] = true
			out = append(out, s.Tier)
		}
	}
	slices.Sort(out)
	return out
}

// Tier returns the standard lines of one tier (nil when there are none).
func (y Year) Tier(tier int) []Standard {
	var out []Standard
	for _, s := range y.Standards {
		if s.Tier == tier {
			out = append(out, s)
		}
	}
	return out
}

// TierTotal returns the per-person total of a tier.
func (y Year) TierTotal(tier int) money.Fen {
	var t money.Fen
	for _, s := range y.Tier(tier) {
		t += s.Amount
	}
	return t
}

// DueDate returns the due date of a source's share (the earliest given
// across tiers), or the zero Date.
func (y Year) DueDate(src Source) civil.Date {
	var d civil.Date
	for _, s := range y.Standards {
		if s.Source == src && !s.DueDate.IsZero() && (d.IsZero() || s.DueDate.Before(d)) {
			d = s.DueDate
		}
	}
	return d
}

// Standard is one line of a contribution standard: per person, in a tier,
// from a source.
type Standard struct {
	Tier    int        `json:"tier"`
	Source  Source     `json:"source"`
	Amount  money.Fen  `json:"amount"`
	DueDate civil.Date `json:"due_date"` // when a government share is due; zero: no date
}

// Subsidy says that civil affairs pays the individual share of people in a
// category: Rate of it (money.Whole = all), or a fixed Amount capped at the
// share. Exactly one of the two is set.
type Subsidy struct {
	Category registry.Category `json:"category"`
	Rate     money.Rate        `json:"rate"`
	Amount   money.Fen         `json:"amount"`
}

// Pays returns what civil affairs pays of an individual share.
func (s Subsidy) Pays(share money.Fen) money.Fen {
	if s.Amount > 0 {
		return money.Min(s.Amount, share)
	}
	// Rounding: the subsidized part of one person's share, to the fen, half up.
	return share.MulRate(s.Rate)
}

// Describe returns "全额" / "50%" / "20.00元" for screens.
func (s Subsidy) Describe() string {
	switch {
	case s.Amount > 0:
		return s.Amount.String() + "元"
	case s.Rate == money.Whole:
		return "全额"
	}
	return s.Rate.String()
}

// TierName returns "第N档".
func TierName(tier int) string { return fmt.Sprintf("第%d档", tier) }
