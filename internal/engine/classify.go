package engine

import (
	"errors"
	"math/bits"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/money"
)

// Limits on one case, so that every product fits in 64 bits.
const (
	MaxLines     = 2000
	MaxLineTotal = money.Fen(10_000_000_000) // 100 million yuan
)

// LineReason says why a line is fully self-paid (全自费); 0 means it is not.
type LineReason uint8

// The reasons a line is fully self-paid.
const (
	NotSelfPaid LineReason = iota
	NotListed
	ClassCItem
	WrongLevel
	NotApproved
	BeforeAdmission
)

var lineReasons = [...]Reason{
	{"", "", ""},
	{"not_listed", "目录外项目", "not in the catalogue"},
	{"class_c", "丙类项目,全自费", "class C item, fully self-paid"},
	{"level", "本级别医疗机构不予报销", "not reimbursable at this institution level"},
	{"not_approved", "限定使用项目未经审批", "restricted item used without approval"},
	{"before_admission", "入院前费用超出可计入天数", "charged too long before admission"},
}

// Text returns the code and its Chinese and English explanation.
func (r LineReason) Text() Reason {
	if int(r) < len(lineReasons) {
		return lineReasons[r]
	}
	return Reason{}
}

// String returns the code, e.g. "class_c" ("" for NotSelfPaid).
func (r LineReason) String() string { return r.Text().Code }

// MarshalText writes the code.
func (r LineReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a code.
func (r *LineReason) UnmarshalText(b []byte) error {
	for i, x := range lineReasons {
		if x.Code == string(b) {
			*r = LineReason(i)
			return nil
		}
	}
	return errors.New("unknown line reason " + string(b))
}

// ClassifyLine splits one line into fully self-paid, over-ceiling, class-B
// first self-pay and in-scope parts that add up to the line total exactly.
// level is the visit's institution level code; earliest is the first date a
// dated line may have (zero: any). Refund lines (negative quantity and
// total) split the same way with every part negated.
func ClassifyLine(l *Line, level string, earliest civil.Date) (LineSplit, error) {
	var sp LineSplit
	err := classifyInto(&sp, l, level, earliest)
	return sp, err
}

func classifyInto(sp *LineSplit, l *Line, level string, earliest civil.Date) error {
	sp.ID, sp.Essential = l.ID, l.Essential
	total, err := lineTotal(l)
	if err != nil {
		return err
	}
	sp.Total = total
	if reason := selfPaidReason(l, level, earliest); reason != NotSelfPaid {
		sp.FullOwn, sp.Reason, sp.Essential = total, reason, false
		return nil
	}
	inCeil := total
	if l.PriceCap > 0 && l.Price > l.PriceCap && l.Qty != 0 {
		inCeil = Amount(l.Qty, l.PriceCap) // R1: quantity × ceiling, to the fen
		sp.OverLimit = total - inCeil
	}
	if l.Class == ClassB {
		sp.FirstSelf = mulRate(inCeil, money.Rate(l.SelfPay)) // R2: class-B first self-pay
	}
	sp.InScope = inCeil - sp.FirstSelf
	return nil
}

func selfPaidReason(l *Line, level string, earliest civil.Date) LineReason {
	switch {
	case l.Class == ClassNone:
		return NotListed
	case l.Class == ClassC:
		return ClassCItem
	case len(l.Levels) > 0 && !contains(l.Levels, level):
		return WrongLevel
	case l.Approval == 2 || (l.Restricted && l.Approval != 1):
		return NotApproved
	case !earliest.IsZero() && !l.Date.IsZero() && l.Date.Before(earliest):
		return BeforeAdmission
	}
	return NotSelfPaid
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// lineTotal checks the line and returns its total: the given total, or
// quantity × price when no total is given. A given total may differ from
// quantity × price by at most one fen (the HIS rounds too).
func lineTotal(l *Line) (money.Fen, error) {
	if l.Approval < 0 || l.Approval > 2 {
		return 0, badLine(l, "approval", "审批标志应为0、1或2", "approval (hosp_appr_flag) must be 0, 1 or 2")
	}
	if l.Price < 0 || l.PriceCap < 0 {
		return 0, badLine(l, "price", "单价不能为负", "price must not be negative")
	}
	if l.Qty > 1_000_000*10000 || l.Qty < -1_000_000*10000 || l.Price > 100_000_000*1_000_000 || l.PriceCap > 100_000_000*1_000_000 {
		return 0, badLine(l, "range", "数量或单价超出范围", "quantity or price out of range")
	}
	total := l.Total
	if total > MaxLineTotal || total < -MaxLineTotal {
		return 0, badLine(l, "range", "单行金额超出范围", "line total out of range")
	}
	if l.Qty != 0 && l.Price != 0 {
		switch {
		case total == 0:
			total = Amount(l.Qty, l.Price)
		case !nearAmount(l.Qty, l.Price, total):
			computed := Amount(l.Qty, l.Price)
			return 0, badLine(l, "total", "金额与数量×单价不符(应为 "+computed.String()+")",
				"total differs from quantity × price ("+computed.String()+")")
		}
	}
	if total > MaxLineTotal || total < -MaxLineTotal {
		return 0, badLine(l, "range", "单行金额超出范围", "line total out of range")
	}
	if (total < 0 && l.Qty > 0) || (total > 0 && l.Qty < 0) {
		return 0, badLine(l, "sign", "数量与金额符号不一致", "quantity and total have different signs")
	}
	return total, nil
}

// classify splits every line and sums the parts into the result (in locals:
// the sums stay in registers instead of being written to the Result on
// every line).
func (c *calc) classify() error {
	in, r := c.in, c.r
	if len(in.Lines) > MaxLines {
		return apperr.Field("lines", "too_many", "明细超过"+strconv.Itoa(MaxLines)+"行", "more than "+strconv.Itoa(MaxLines)+" lines")
	}
	var earliest civil.Date // computed for the first dated line: undated lines never need it
	dated := false
	r.Lines = make([]LineSplit, len(in.Lines))
	var medFee, fullOwn, overLimit, firstSelf, inScope, essential money.Fen
	for i := range in.Lines {
		l, sp := &in.Lines[i], &r.Lines[i]
		if !dated && !l.Date.IsZero() {
			earliest, dated = c.earliest(), true
		}
		if err := classifyInto(sp, l, in.Visit.Level, earliest); err != nil {
			return err
		}
		medFee += sp.Total
		fullOwn += sp.FullOwn
		overLimit += sp.OverLimit
		firstSelf += sp.FirstSelf
		inScope += sp.InScope
		if sp.Essential {
			essential += sp.InScope
		}
	}
	r.MedFee, r.FullOwn, r.OverLimit, r.FirstSelf, r.InScope, r.Essential = medFee, fullOwn, overLimit, firstSelf, inScope, essential
	if r.MedFee < 0 {
		return apperr.Field("lines", "negative_visit", "整单金额为负:请撤销原结算(Reverse)",
			"the visit's total is negative: reverse the original settlement instead")
	}
	return nil
}

// earliest is the first date a dated line may have (zero: any): the
// admission date, or that many days before it for kinds that count
// pre-admission charges.
func (c *calc) earliest() civil.Date {
	if c.kind.PreAdmissionDays > 0 {
		return c.in.Visit.Start.AddDays(-c.kind.PreAdmissionDays)
	}
	if c.kind.Admission {
		return c.in.Visit.Start
	}
	return civil.Date{}
}

func badLine(l *Line, code, zh, en string) error {
	return apperr.Field("lines["+l.ID+"]", code, zh, en)
}

// nearAmount reports whether total is within one fen of Amount(q, p), that
// is round(q × p / 10^8) with halves away from zero, using one 128-bit
// multiplication and no division (this check runs on every line).
func nearAmount(q Qty, p Price, total money.Fen) bool {
	t := int64(total)
	uq := uint64(q)
	if q < 0 {
		uq, t = uint64(-q), -t
	}
	hi, lo := bits.Mul64(uq, uint64(p)) // x = |q| × p ≥ 0
	// round(x/1e8) ∈ [t−1, t+1]  ⇔  (t − 1.5)·1e8 ≤ x < (t + 1.5)·1e8
	upper := t*100_000_000 + 150_000_000
	lower := t*100_000_000 - 150_000_000
	if upper <= 0 || hi != 0 {
		return false
	}
	if lower > 0 && lo < uint64(lower) {
		return false
	}
	return lo < uint64(upper)
}
