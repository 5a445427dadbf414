package engine

import (
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/money"
	"ncms/internal/scheme"
)

// HIS fund_pay_type codes of the four layers.
const (
	FundBasic        = "390100" // 城乡居民基本医疗保险统筹基金
	FundCatastrophic = "390200" // 城乡居民大病保险
	FundAssistance   = "610100" // 医疗救助
	FundOther        = "999997" // 其他 (government backstop, public-health subsidy)
)

// calc is the working state of one calculation.
type calc struct {
	s    *scheme.Scheme
	in   *Input
	r    *Result
	tr   bool
	kind *scheme.Kind
	f    scheme.Facts

	bIn, bPre, bOut money.Fen                  // what the patient still bears, by part
	paid            money.Fen                  // paid by funds and the hospital so far
	dedGroup        string                     // pool of a per-year deductible applied (r.Deductible)
	uses            [scheme.MaxCapNames]capUse // caps applied to this visit (they take r.Basic)
	nuses           int
	catBase         money.Fen // this visit's addition to the catastrophic base
	backstopOwn     money.Fen // this visit's addition to the backstop's yearly own share
	traceFrom       int       // first trace step of the current fund
}

// work is the Result and room for the pools of its four year-to-date values
// (Delta, YTD, HouseholdDelta, HouseholdYTD), in one allocation. Its size
// matters: with four funds inline (Result.funds) and 6 pools it stays within
// the 1408-byte size class, whose spans hold 11 objects (the 1536-byte class
// holds 5 a span, so the allocator would refill more than twice as often).
// Pools that do not fit are allocated (poolBuf).
type work struct {
	r     Result
	pools [6]Pool
}

// Calculate settles one visit. It returns an *apperr.Error for invalid input
// (unknown kind or level, bad lines, negative visit total); a visit the
// scheme does not cover is not an error but a Result with Denied set, in
// which the patient pays everything and the totals do not change.
func Calculate(s *scheme.Scheme, in *Input, opt Options) (*Result, error) {
	w := &work{}
	c := &calc{s: s, in: in, r: &w.r, tr: opt.Trace}
	w.r.Funds = w.r.funds[:0]
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := c.prepare(); err != nil {
		return nil, err
	}
	if err := c.classify(); err != nil {
		return nil, err
	}
	c.traceLines()
	c.bIn, c.bPre, c.bOut = c.r.InScope, c.r.FirstSelf, c.r.FullOwn+c.r.OverLimit
	c.facts()
	if d := c.eligibility(); d != nil {
		c.r.Denied = d
		if c.tr {
			c.step("denied", "", 0, "不予补偿:"+d.Zh, "not covered: "+d.En)
		}
		c.finish(w)
		return c.r, nil
	}
	c.basic()
	c.catastrophic()
	c.assistance()
	c.backstop()
	c.finish(w)
	return c.r, nil
}

// prepare resolves the visit kind and level.
func (c *calc) prepare() error {
	v := &c.in.Visit
	k, ok := c.s.KindIndex(v.Kind)
	if !ok {
		return apperr.Field("visit.kind", "unknown_kind", "方案中没有就诊类别 "+v.Kind, "the scheme has no visit kind "+v.Kind)
	}
	c.kind = &c.s.Kinds[k]
	lvl, ok := c.s.Level(v.Level)
	if !ok {
		return apperr.Field("visit.level", "unknown_level", "方案中没有机构级别 "+v.Level, "the scheme has no institution level "+v.Level)
	}
	if !validDate(v.Start) {
		return apperr.Field("visit.start", "date", "缺少就诊/入院日期", "visit start date missing or invalid")
	}
	if !v.End.IsZero() && v.End.Before(v.Start) {
		return apperr.Field("visit.end", "date", "出院日期早于入院日期", "end date before start date")
	}
	if v.PublicHealth < 0 || v.Days < 0 || v.Days > 3660 || c.in.Person.HouseholdMembers < 0 || c.in.Person.Carryover < 0 {
		return apperr.Field("visit", "range", "金额、天数或人数不能为负或过大", "amounts, days or counts out of range")
	}
	if t := c.in.Person.Tier; t != 0 && !hasTier(c.s.Tiers, t) {
		return apperr.Field("person.tier", "unknown_tier", "方案中没有该档次", "the scheme has no such tier")
	}
	c.r.Scheme, c.r.Kind, c.r.MedType, c.r.Level = c.s.ID, v.Kind, c.kind.MedType, lvl
	c.r.ClrType = "11"
	if c.kind.Admission {
		c.r.ClrType = "21"
	}
	return nil
}

// facts builds what the scheme's conditions look at.
func (c *calc) facts() {
	p, v := &c.in.Person, &c.in.Visit
	f := &c.f
	f.Kind, f.Level = c.kind.Index, c.r.Level
	f.Tier = p.Tier
	if f.Tier == 0 {
		f.Tier = 1
	}
	for _, cat := range p.Categories {
		f.Categories |= c.s.CategoryBit(cat)
	}
	for i := range p.Certificates {
		ct := &p.Certificates[i]
		if k, ok := c.s.CertIndex(ct.Kind); ok && v.Start.Within(ct.From, ct.To) {
			f.Certs |= 1 << uint(k)
		}
	}
	f.InCounty, f.Agreement, f.Referral, f.Designated = v.InCounty, v.Agreement, v.Referral, !v.NonDesignated
	switch p.Sex {
	case "1", "male", "M", "男":
		f.Sex = 1
	case "2", "female", "F", "女":
		f.Sex = 2
	}
	f.Age = -1
	if !p.Birth.IsZero() {
		f.Age = p.Birth.AgeOn(v.Start)
	}
	f.Diagnoses = v.Diagnoses
	if v.Disease != "" && len(v.Diagnoses) == 0 {
		f.Diagnoses = []string{v.Disease}
	}
	f.YearCost = c.in.YTD.AdmissionCost
	if c.kind.Admission {
		f.YearCost += c.r.MedFee
	}
}

// days is the number of days the visit covers (per-day caps).
func (c *calc) days() int {
	v := &c.in.Visit
	if v.Days > 0 {
		return v.Days
	}
	if v.End.IsZero() {
		return 1
	}
	return v.End.DaysSince(v.Start) + 1
}

// eligibility returns why the visit is not covered, or nil.
func (c *calc) eligibility() *Reason {
	s, p, v := c.s, &c.in.Person, &c.in.Visit
	if !v.Start.Within(s.From, s.To) {
		return &Reason{"out_of_period", "就诊日期不在方案期间 " + s.From.String() + "—" + s.To.String(),
			"visit date outside the scheme period " + s.From.String() + "–" + s.To.String()}
	}
	from, to := p.CoverFrom, p.CoverTo
	if from.IsZero() || from.Before(s.From) {
		from = s.From
	}
	if to.IsZero() || to.After(s.To) {
		to = s.To
	}
	if !s.WindowTo.IsZero() && s.WaitingDays > 0 && p.PaidOn.After(s.WindowTo) {
		if w := p.PaidOn.AddDays(s.WaitingDays); w.After(from) {
			from = w
		}
	}
	if !v.Start.Within(from, to) {
		return &Reason{"not_covered", "就诊日期不在待遇享受期 " + from.String() + "—" + to.String() + "(含等待期)",
			"visit date outside the benefit period " + from.String() + "–" + to.String() + " (waiting period included)"}
	}
	if k := c.kind.Certificate; k != "" && !c.hasCertificate(k) {
		return &Reason{"no_certificate", "未持有有效的" + k + "病种证(" + v.Disease + ")",
			"no valid " + k + " certificate for disease " + v.Disease}
	}
	if c.kind.Statement {
		if v.ThirdParty {
			return &Reason{"third_party", "交通事故或有第三方责任的外伤不予补偿", "traffic accidents and third-party liability are excluded"}
		}
		if !v.InjuryStatement {
			return &Reason{"no_statement", "缺少村(居)委会出具的外伤证明", "the village's injury statement is missing"}
		}
	}
	return nil
}

// hasCertificate reports whether the person holds a valid certificate of
// kind k for the visit's disease (any disease when the visit names none).
func (c *calc) hasCertificate(k string) bool {
	v := &c.in.Visit
	for i := range c.in.Person.Certificates {
		ct := &c.in.Person.Certificates[i]
		if ct.Kind == k && v.Start.Within(ct.From, ct.To) && (v.Disease == "" || ct.Disease == v.Disease) {
			return true
		}
	}
	return false
}

// room is what funds can still pay without the patient's share going negative.
func (c *calc) room() money.Fen {
	return money.Max2(0, c.r.MedFee-c.paid)
}

// consume takes a payment out of what the patient bears: in-scope first,
// then first self-pay, then the rest.
func (c *calc) consume(pay money.Fen) {
	c.paid += pay
	take := func(b *money.Fen) {
		t := money.Min(pay, money.Max2(0, *b))
		*b -= t
		pay -= t
	}
	take(&c.bIn)
	take(&c.bPre)
	c.bOut -= pay // whatever is left (room() guarantees it is covered)
}

// base returns the patient's remaining share a layer works on.
func (c *calc) base(b scheme.Base) money.Fen {
	v := money.Max2(0, c.bIn)
	if b >= scheme.BasePolicy {
		v += money.Max2(0, c.bPre)
	}
	if b == scheme.BaseAll {
		v += money.Max2(0, c.bOut)
	}
	return money.Min(v, c.room())
}

// validDate is d.Valid() without its round trip through time.Date for the
// years 1–9999 (other years take that round trip).
func validDate(d civil.Date) bool {
	if d.Year < 1 || d.Year > 9999 {
		return d.Valid()
	}
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	days := monthDays[d.Month-1]
	if d.Month == time.February && d.Year%4 == 0 && (d.Year%100 != 0 || d.Year%400 == 0) {
		days = 29
	}
	return d.Day <= days
}

var monthDays = [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func dateKey(key string, d civil.Date) string { return key + "@" + d.String() }

func hasTier(tiers []int, t int) bool {
	for _, x := range tiers {
		if x == t {
			return true
		}
	}
	return false
}
