package rules

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"

	"ncms/internal/money"
)

// StaysOverlap reports whether two stays share at least one night: a
// transfer (discharged and admitted elsewhere on the same day) is not an
// overlap.
func StaysOverlap(a, b Stay) bool {
	if a.VisitID == b.VisitID || a.End.IsZero() || b.End.IsZero() {
		return false
	}
	return a.Begin.Before(b.End) && b.Begin.Before(a.End)
}

// ReadmittedWithin returns the days between prev's discharge and next's
// admission, and whether next is a readmission to the same institution
// within days (0 ≤ gap ≤ days).
func ReadmittedWithin(prev, next Stay, days int) (int, bool) {
	if prev.VisitID == next.VisitID || prev.InstitutionID != next.InstitutionID || prev.End.IsZero() {
		return 0, false
	}
	gap := next.Begin.DaysSince(prev.End)
	return gap, gap >= 0 && gap <= days
}

// LinesSum is the sum of the bill's line totals.
func LinesSum(b Bill) money.Fen {
	var s money.Fen
	for _, l := range b.Lines {
		s += l.Total
	}
	return s
}

// TotalMismatch reports a bill whose total differs from the sum of its
// lines, or that has a total and no lines (SPEC §6.2: 752 such visits).
func TotalMismatch(b Bill) (money.Fen, bool) {
	d := b.MedFee - LinesSum(b)
	return d, d != 0 || (len(b.Lines) == 0 && b.MedFee != 0)
}

// Fingerprint identifies a bill's content: person, institution, visit
// day, total and the multiset of (code, quantity, price, total) lines.
func Fingerprint(b Bill) string {
	ls := make([]string, len(b.Lines))
	for i, l := range b.Lines {
		ls[i] = l.Code + "|" + strconv.FormatInt(l.Qty, 10) + "|" + strconv.FormatInt(l.Price, 10) + "|" + strconv.FormatInt(int64(l.Total), 10)
	}
	sort.Strings(ls)
	s := fmt.Sprintf("%d/%d/%s/%d", b.PersonID, b.InstitutionID, b.Begin, b.MedFee)
	for _, l := range ls {
		s += ";" + l
	}
	return s
}

// SameBill reports whether b and o are the same bill settled twice: two
// different visits with the same invoice number at one institution, or the
// same person, institution, day, total and lines.
func SameBill(b, o Bill) bool {
	if b.SettlementID == o.SettlementID || b.VisitID == o.VisitID {
		return false
	}
	if b.Invoice != "" && b.Invoice == o.Invoice && b.InstitutionID == o.InstitutionID {
		return true
	}
	return len(b.Lines) > 0 && Fingerprint(b) == Fingerprint(o)
}

// DrugOverTier reports a drug line not reimbursable at the institution's
// level (the catalogue lists levels and the institution's is not among them).
func DrugOverTier(l Line, level string) bool {
	if l.Kind != "drug" || len(l.Levels) == 0 {
		return false
	}
	for _, v := range l.Levels {
		if v == level {
			return false
		}
	}
	return true
}

// ClassCWithoutConsent reports a class C line without the signed consent
// (hosp_appr_flag 1) the patient must give before a fully self-paid item.
func ClassCWithoutConsent(l Line) bool { return l.Class == "C" && l.Approval != 1 }

// priceTimesQty is price (1/1,000,000 yuan) × qty (1/10,000) in fen,
// rounded half away from zero.
func priceTimesQty(price, qty int64) money.Fen {
	n := new(big.Int).Mul(big.NewInt(price), big.NewInt(qty))
	den := big.NewInt(100_000_000) // 1e6 × 1e4 / 100 fen
	q, r := new(big.Int).QuoRem(n, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(den) >= 0 {
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return money.Fen(q.Int64())
}

// AboveCeiling returns the amount charged above the unit price ceiling, and
// whether the price exceeds it.
func AboveCeiling(l Line) (money.Fen, bool) {
	if l.PriceCap <= 0 || l.Price <= l.PriceCap {
		return 0, false
	}
	return priceTimesQty(l.Price-l.PriceCap, l.Qty), true
}

// MarkupLimit is the largest mark-up for the line: herbal pieces (fee type
// 11) herbal, other drugs drug.
func MarkupLimit(l Line, drug, herbal money.Rate) money.Rate {
	if l.FeeType == "11" {
		return herbal
	}
	return drug
}

// AboveMarkup returns the amount charged above reference price × (1 +
// limit), and whether a drug's unit price exceeds it.
func AboveMarkup(l Line, drug, herbal money.Rate) (money.Fen, bool) {
	if l.Kind != "drug" || l.RefPrice <= 0 {
		return 0, false
	}
	lim := MarkupLimit(l, drug, herbal)
	// max price = ref × (10000 + lim) / 10000, compared exactly: price × 10000 > ref × (10000 + lim)
	if l.Price*10000 <= l.RefPrice*(10000+int64(lim)) {
		return 0, false
	}
	maxPrice := l.RefPrice * (10000 + int64(lim)) / 10000
	return priceTimesQty(l.Price-maxPrice, l.Qty), true
}

// SexAgeConflict returns the limit the line breaks for a patient of sex and
// age, if any.
func SexAgeConflict(l Line, sex string, age int, limits []ItemLimit) (ItemLimit, bool) {
	for _, lim := range limits {
		if !lim.Matches(l.Code, l.Name) {
			continue
		}
		if (lim.Sex != "" && sex != "" && lim.Sex != sex) || (lim.MinAge > 0 && age < lim.MinAge) || (lim.MaxAge > 0 && age > lim.MaxAge) {
			return lim, true
		}
	}
	return ItemLimit{}, false
}

// LargePrescription reports an outpatient drug line above maxUnits units or
// maxAmount (0: that bound off).
func LargePrescription(l Line, clrType string, maxUnits int64, maxAmount money.Fen) bool {
	if clrType != "11" || l.Kind != "drug" || l.Qty <= 0 {
		return false
	}
	return (maxUnits > 0 && l.Qty > maxUnits*10000) || (maxAmount > 0 && l.Total > maxAmount)
}

// PairKey is the key of a finding about two settlements, the same
// whichever of them is screened.
func PairKey(rule string, a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("%s:%d:%d", rule, a, b)
}

// LineKey is the key of a finding about one line.
func LineKey(rule string, settlementID, lineID int64) string {
	return fmt.Sprintf("%s:%d:l%d", rule, settlementID, lineID)
}

// Context is what Screen needs besides the bill: the person's other live
// stays (inpatient, for overlap and readmission) and bills that may be the
// same bill (same person, institution and day, or same invoice).
type Context struct {
	Stays      []Stay
	Candidates []Bill
}

// Screen runs every enabled rule on one settlement and returns its hits.
func Screen(c Config, b Bill, x Context) []Hit {
	var hits []Hit
	add := func(rule, key string, amt money.Fen, zh, en string, ev ...Ref) {
		hits = append(hits, Hit{Rule: rule, Key: key, InstitutionID: b.InstitutionID, PersonID: b.PersonID, Zh: zh, En: en,
			Amount: amt, Evidence: ev})
	}
	self := Ref{SettlementID: b.SettlementID, VisitID: b.VisitID}
	if b.ClrType == "21" && !b.End.IsZero() {
		me := Stay{SettlementID: b.SettlementID, VisitID: b.VisitID, InstitutionID: b.InstitutionID, Begin: b.Begin, End: b.End}
		for _, o := range x.Stays {
			other := Ref{SettlementID: o.SettlementID, VisitID: o.VisitID}
			if c.On(Overlap) && StaysOverlap(me, o) {
				add(Overlap, PairKey(Overlap, b.SettlementID, o.SettlementID), 0,
					fmt.Sprintf("住院 %s—%s 与另一住院 %s—%s 时间重叠", b.Begin, b.End, o.Begin, o.End),
					fmt.Sprintf("stay %s–%s overlaps stay %s–%s", b.Begin, b.End, o.Begin, o.End), self, other)
			}
			if !c.On(Readmission) {
				continue
			}
			first, second := o, me
			if me.Begin.Before(o.Begin) || (me.Begin == o.Begin && me.VisitID < o.VisitID) {
				first, second = me, o
			}
			if gap, ok := ReadmittedWithin(first, second, c.ReadmitDays); ok && !StaysOverlap(me, o) {
				add(Readmission, PairKey(Readmission, b.SettlementID, o.SettlementID), 0,
					fmt.Sprintf("出院(%s)后 %d 天内再次入住同一机构(%s)", first.End, gap, second.Begin),
					fmt.Sprintf("readmitted to the same institution %d days after discharge (%s → %s)", gap, first.End, second.Begin), self, other)
			}
		}
	}
	if d, bad := TotalMismatch(b); c.On(TotalLines) && bad {
		add(TotalLines, fmt.Sprintf("%s:%d", TotalLines, b.SettlementID), d.Abs(),
			fmt.Sprintf("结算总额 %s 与明细合计 %s 不符(%d 条明细)", b.MedFee, LinesSum(b), len(b.Lines)),
			fmt.Sprintf("total %s differs from the lines' sum %s (%d lines)", b.MedFee, LinesSum(b), len(b.Lines)), self)
	}
	if c.On(Duplicate) {
		for _, o := range x.Candidates {
			if SameBill(b, o) {
				add(Duplicate, PairKey(Duplicate, b.SettlementID, o.SettlementID), b.MedFee,
					fmt.Sprintf("与结算 %d 为同一账单(发票或明细相同)", o.SettlementID),
					fmt.Sprintf("the same bill as settlement %d (invoice or lines)", o.SettlementID), self,
					Ref{SettlementID: o.SettlementID, VisitID: o.VisitID})
			}
		}
	}
	age := 0
	if !b.Birth.IsZero() {
		age = b.Birth.AgeOn(b.Begin)
	}
	for _, l := range b.Lines {
		if l.Qty < 0 || l.Total < 0 { // refund lines: the refunded line carries the finding
			continue
		}
		hits = append(hits, lineHits(c, b, l, age)...)
	}
	return hits
}

// lineHits runs the line rules on one line.
func lineHits(c Config, b Bill, l Line, age int) []Hit {
	var hits []Hit
	ref := Ref{SettlementID: b.SettlementID, VisitID: b.VisitID, LineID: l.ID, Note: l.SN + " " + l.Code + " " + l.Name}
	add := func(rule string, amt money.Fen, zh, en string) {
		hits = append(hits, Hit{Rule: rule, Key: LineKey(rule, b.SettlementID, l.ID), InstitutionID: b.InstitutionID,
			PersonID: b.PersonID, Zh: zh, En: en, Amount: amt, Evidence: []Ref{ref}})
	}
	if c.On(OverTier) && DrugOverTier(l, b.Level) {
		add(OverTier, l.Total, fmt.Sprintf("%s 限 %v 级机构使用,本机构为 %s", l.Name, l.Levels, b.Level),
			fmt.Sprintf("%s is for levels %v, the institution is %s", l.Name, l.Levels, b.Level))
	}
	if c.On(ClassC) && ClassCWithoutConsent(l) {
		add(ClassC, l.Total, l.Name+" 为丙类项目,无患者签字同意", l.Name+" is class C without the patient's signed consent")
	}
	if amt, ok := AboveCeiling(l); c.On(OverCeiling) && ok {
		add(OverCeiling, amt, fmt.Sprintf("%s 单价超最高限价,超出 %s 元", l.Name, amt), fmt.Sprintf("%s above its price ceiling by %s", l.Name, amt))
	}
	if amt, ok := AboveMarkup(l, c.DrugMarkup, c.HerbalMarkup); c.On(Markup) && ok {
		lim := MarkupLimit(l, c.DrugMarkup, c.HerbalMarkup)
		add(Markup, amt, fmt.Sprintf("%s 加成超过 %s,超出 %s 元", l.Name, lim, amt), fmt.Sprintf("%s marked up above %s by %s", l.Name, lim, amt))
	}
	if lim, ok := SexAgeConflict(l, b.Sex, age, c.ItemLimits); c.On(SexAge) && ok {
		add(SexAge, l.Total, fmt.Sprintf("%s 与患者(性别 %s,%d 岁)不符", l.Name, b.Sex, age),
			fmt.Sprintf("%s does not fit the patient (sex %s, age %d; limit %+v)", l.Name, b.Sex, age, lim))
	}
	if c.On(LargeRx) && LargePrescription(l, b.ClrType, c.RxMaxUnits, c.RxMaxAmount) {
		add(LargeRx, l.Total, fmt.Sprintf("%s 门诊单次用量或金额过大(%s 元)", l.Name, l.Total),
			fmt.Sprintf("%s: unusually large outpatient line (%s)", l.Name, l.Total))
	}
	return hits
}
