package enroll

import (
	"fmt"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// Member is a person as enrollment sees them.
type Member struct {
	PersonID   int64               `json:"person_id"`
	Name       string              `json:"name"`
	MaskedID   string              `json:"masked_id"` // ID number masked for display ("" when none yet)
	Relation   string              `json:"relation"`
	BirthDate  civil.Date          `json:"birth_date"`
	Categories registry.Categories `json:"categories"`
}

// Share is an amount from one source.
type Share struct {
	Source Source    `json:"source"`
	Amount money.Fen `json:"amount"`
}

// Window is when an enrollment covers its person.
type Window struct {
	From    civil.Date `json:"from"`
	To      civil.Date `json:"to"`
	Late    bool       `json:"late"`    // paid after the enrollment window: covered after the waiting days
	Newborn bool       `json:"newborn"` // born after the window and paid within the waiting days of birth: covered from birth
}

// Line is what one member's enrollment costs and who pays it.
type Line struct {
	Member
	Shares     []Share           `json:"shares"`      // each source with a non-zero amount, civil affairs included
	PersonPays money.Fen         `json:"person_pays"` // the individual share the person pays at the desk
	CivilPays  money.Fen         `json:"civil_pays"`  // the individual share civil affairs pays
	Government money.Fen         `json:"government"`  // the government shares together
	Total      money.Fen         `json:"total"`       // everything due for this person
	Subsidy    registry.Category `json:"subsidy"`     // category that earned the civil-affairs share ("" when none)
	Cover      Window            `json:"cover"`
}

// Quote is what enrolling some members in a tier costs, per member and in
// total, and who pays.
type Quote struct {
	Year       int        `json:"year"`
	Tier       int        `json:"tier"`
	PaidOn     civil.Date `json:"paid_on"`
	Lines      []Line     `json:"lines"`
	PersonPays money.Fen  `json:"person_pays"` // to be paid at the desk (the receipt's amount)
	CivilPays  money.Fen  `json:"civil_pays"`
	Government money.Fen  `json:"government"`
	Total      money.Fen  `json:"total"`
	BySource   []Share    `json:"by_source"` // totals per source in Sources order, non-zero only
}

// Compute works out, without touching the database, what each member owes
// by source and who pays the individual share, and from when each is
// covered when paying on paidOn. It fails when the tier does not exist or
// paidOn falls outside what the year allows.
func Compute(y Year, tier int, paidOn civil.Date, members []Member) (Quote, error) {
	std := y.Tier(tier)
	if len(std) == 0 {
		return Quote{}, apperr.Field("tier", "unknown_tier",
			fmt.Sprintf("%d年度没有第%d档缴费标准", y.Year, tier), fmt.Sprintf("year %d has no tier %d", y.Year, tier))
	}
	if len(members) == 0 {
		return Quote{}, apperr.Field("members", "no_members", "该户没有可参合的在册成员", "the household has no active member to enroll")
	}
	q := Quote{Year: y.Year, Tier: tier, PaidOn: paidOn}
	totals := map[Source]money.Fen{}
	for _, m := range members {
		w, err := CoverWindow(y, paidOn, m.BirthDate)
		if err != nil {
			return Quote{}, err
		}
		l := lineFor(y, std, m)
		l.Cover = w
		for _, sh := range l.Shares {
			totals[sh.Source] += sh.Amount
		}
		q.PersonPays += l.PersonPays
		q.CivilPays += l.CivilPays
		q.Government += l.Government
		q.Total += l.Total
		q.Lines = append(q.Lines, l)
	}
	for _, src := range Sources {
		if totals[src] != 0 {
			q.BySource = append(q.BySource, Share{src, totals[src]})
		}
	}
	return q, nil
}

// lineFor splits one member's contribution by source.
func lineFor(y Year, std []Standard, m Member) Line {
	l := Line{Member: m}
	for _, src := range StandardSources {
		for _, s := range std {
			if s.Source != src || s.Amount == 0 {
				continue
			}
			l.Total += s.Amount
			if src != Individual {
				l.Government += s.Amount
				l.Shares = append(l.Shares, Share{src, s.Amount})
				continue
			}
			sub, civ := subsidyFor(y.Subsidies, m.Categories, s.Amount)
			l.Subsidy, l.CivilPays, l.PersonPays = sub, civ, s.Amount-civ
			if l.PersonPays > 0 {
				l.Shares = append(l.Shares, Share{Individual, l.PersonPays})
			}
			if civ > 0 {
				l.Shares = append(l.Shares, Share{CivilAffairs, civ})
			}
		}
	}
	return l
}

// subsidyFor returns the category whose subsidy pays the most of share,
// and that amount.
func subsidyFor(subs []Subsidy, cats registry.Categories, share money.Fen) (registry.Category, money.Fen) {
	var best registry.Category
	var most money.Fen
	for _, s := range subs {
		if !cats.Has(s.Category) {
			continue
		}
		if p := s.Pays(share); p > most {
			best, most = s.Category, p
		}
	}
	return best, most
}

// CoverWindow returns from when to when a person born on birth is covered
// when paying on paidOn:
//
//   - paid within the enrollment window (or before the period starts, once
//     the window has opened): the whole benefit period;
//   - paid after the window (late): from paidOn + WaitingDays to the end of
//     the period;
//   - a newborn born after the window whose contribution is paid within
//     WaitingDays of birth: from birth (or the period start, if later).
//
// Paying before the window opens, after the period ends, or so late that the
// waiting days run past the period's end is refused.
func CoverWindow(y Year, paidOn, birth civil.Date) (Window, error) {
	w := Window{From: y.PeriodFrom, To: y.PeriodTo}
	switch {
	case paidOn.IsZero():
		return w, apperr.Field("paid_on", "required", "请填写缴费日期", "payment date is required")
	case paidOn.Before(y.WindowFrom):
		return w, apperr.Field("paid_on", "window_not_open",
			fmt.Sprintf("%d年度参合缴费自%s开始", y.Year, y.WindowFrom), fmt.Sprintf("enrollment for %d opens on %s", y.Year, y.WindowFrom))
	case paidOn.After(y.PeriodTo):
		return w, apperr.Field("paid_on", "year_over",
			fmt.Sprintf("%d年度待遇期已于%s结束", y.Year, y.PeriodTo), fmt.Sprintf("the %d benefit period ended on %s", y.Year, y.PeriodTo))
	case !paidOn.After(y.WindowTo):
		return w, nil
	}
	w.Late = true
	if birth.After(y.WindowTo) && !paidOn.After(birth.AddDays(y.WaitingDays)) {
		w.Newborn = true
		w.From = latest(birth, y.PeriodFrom)
		return w, nil
	}
	w.From = latest(paidOn.AddDays(y.WaitingDays), y.PeriodFrom)
	if w.From.After(y.PeriodTo) {
		return w, apperr.Field("paid_on", "waiting_beyond_period",
			fmt.Sprintf("集中缴费期后参合须等待%d天，待遇将晚于本年度结束日%s，请参加下一年度", y.WaitingDays, y.PeriodTo),
			fmt.Sprintf("late enrollment waits %d days, past the end of the period (%s); enroll for the next year", y.WaitingDays, y.PeriodTo))
	}
	return w, nil
}

func latest(a, b civil.Date) civil.Date {
	if a.After(b) {
		return a
	}
	return b
}

// ProjectedDue returns what a head count owes under a tier, per source and
// in total: head count × the per-person standard, exactly (an error if it
// overflows). The receivables of enrolled people equal this for their head
// count when nobody is subsidized; civil affairs then takes over part of
// the individual line.
func ProjectedDue(y Year, tier int, headCount int64) ([]Share, money.Fen, error) {
	var out []Share
	var total money.Fen
	for _, s := range y.Tier(tier) {
		v, ok := s.Amount.Mul(headCount)
		if !ok || total+v < total {
			return nil, 0, fmt.Errorf("enroll: projected due overflows for %d persons", headCount)
		}
		out = append(out, Share{s.Source, v})
		total += v
	}
	return out, total, nil
}
