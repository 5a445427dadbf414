// Package money holds amounts of money as an exact number of fen (分, 0.01 yuan)
// and ratios as an exact number of basis points (1/10,000).
//
// No float ever touches money. Decimal text is parsed and formatted exactly;
// the only rounding in the whole system is MulRate / Share, which round to the
// nearest fen with halves away from zero ("四舍五入"), once, at the step the
// caller documents.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Fen is an amount of money in fen (分). 100 fen = 1 yuan (元).
type Fen int64

// Yuan returns n whole yuan as Fen.
func Yuan(n int64) Fen { return Fen(n * 100) }

// Max is the largest representable amount; parsing rejects anything above it.
const Max = Fen(math.MaxInt64)

// Errors returned by Parse, wrapped in *ParseError.
var (
	ErrEmpty     = errors.New("empty amount / 金额为空")
	ErrSyntax    = errors.New("not a plain decimal number / 不是规范的十进制数")
	ErrPrecision = errors.New("more than 2 decimal places / 小数位超过2位")
	ErrOverflow  = errors.New("amount out of range / 金额超出范围")
)

// ParseError reports which text failed to parse and why.
type ParseError struct {
	Input string
	Err   error
}

func (e *ParseError) Error() string { return fmt.Sprintf("money: %q: %v", e.Input, e.Err) }

// Unwrap returns the reason (ErrEmpty, ErrSyntax, ErrPrecision or ErrOverflow).
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a plain decimal amount of yuan such as "12", "-3.5", "0.07" or
// "1234.50" exactly. It accepts an optional leading '-' or '+', digits, and at
// most two decimals. It rejects spaces, exponents ("1e3"), thousands
// separators, a third decimal ("12.345", even "12.340"), a bare "." and
// anything that does not fit in int64 fen.
func Parse(s string) (Fen, error) {
	f, err := parseFixed(s, 2)
	if err != nil {
		return 0, &ParseError{Input: s, Err: err}
	}
	return Fen(f), nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Fen {
	f, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return f
}

// parseFixed parses a decimal with at most places decimals into an integer
// scaled by 10^places.
func parseFixed(s string, places int) (int64, error) {
	if s == "" {
		return 0, ErrEmpty
	}
	neg := false
	body := s
	switch body[0] {
	case '-':
		neg, body = true, body[1:]
	case '+':
		body = body[1:]
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, ErrSyntax
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, ErrSyntax
			}
		}
	}
	if len(frac) > places {
		return 0, ErrPrecision
	}
	frac += strings.Repeat("0", places-len(frac))
	var v uint64
	for _, c := range intPart + frac {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, ErrOverflow
		}
		lo2, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if carry != 0 {
			return 0, ErrOverflow
		}
		v = lo2
	}
	if v > math.MaxInt64 {
		return 0, ErrOverflow
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// String formats f as yuan with exactly two decimals: "12.30", "-0.05", "0.00".
func (f Fen) String() string { return formatFixed(int64(f), 2) }

func formatFixed(v int64, places int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v) // correct for MinInt64 too, by two's complement
	}
	digits := fmt.Sprintf("%0*d", places+1, u)
	cut := len(digits) - places
	out := digits[:cut]
	if places > 0 {
		out += "." + digits[cut:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// MarshalText writes the amount as a two-decimal string (JSON: "12.30").
func (f Fen) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText parses with Parse. JSON numbers are accepted too, as long as
// their text is a plain decimal (see UnmarshalJSON).
func (f *Fen) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// UnmarshalJSON accepts a JSON string "12.30" or a JSON number 12.3, both
// read exactly from their text (never through float64).
func (f *Fen) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return f.UnmarshalText([]byte(s))
}

// MarshalJSON writes the amount as a JSON string with two decimals.
func (f Fen) MarshalJSON() ([]byte, error) { return []byte(`"` + f.String() + `"`), nil }

// Neg returns -f.
func (f Fen) Neg() Fen { return -f }

// Abs returns |f|.
func (f Fen) Abs() Fen {
	if f < 0 {
		return -f
	}
	return f
}

// Min returns the smaller amount.
func Min(a, b Fen) Fen {
	if a < b {
		return a
	}
	return b
}

// Max2 returns the larger amount.
func Max2(a, b Fen) Fen {
	if a > b {
		return a
	}
	return b
}

// Clamp returns f limited to [lo, hi].
func Clamp(f, lo, hi Fen) Fen { return Min(Max2(f, lo), hi) }

// Sum adds amounts.
func Sum(xs ...Fen) Fen {
	var t Fen
	for _, x := range xs {
		t += x
	}
	return t
}

// Rate is a ratio in basis points: 10000 = 100%, 6000 = 60%, 5 = 0.05%.
type Rate int64

// Whole is 100% as a Rate.
const Whole Rate = 10000

// Percent returns p percent as a Rate (Percent(60) = 6000).
func Percent(p int64) Rate { return Rate(p * 100) }

// ParseRate reads a ratio written as a percentage ("60", "60%", "7.5%",
// "0.05%") with at most two decimals.
func ParseRate(s string) (Rate, error) {
	body := strings.TrimSuffix(s, "%")
	v, err := parseFixed(body, 2)
	if err != nil {
		return 0, &ParseError{Input: s, Err: err}
	}
	return Rate(v), nil
}

// ParseFraction reads a ratio written as a decimal fraction ("0.6", "0.05",
// "1") with at most four decimals, as the HIS interface writes selfpay_prop.
func ParseFraction(s string) (Rate, error) {
	v, err := parseFixed(s, 4)
	if err != nil {
		return 0, &ParseError{Input: s, Err: err}
	}
	return Rate(v), nil
}

// String formats the rate as a percentage, e.g. "60%", "7.5%", "0.05%".
func (r Rate) String() string {
	s := formatFixed(int64(r), 2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// Fraction formats the rate as a decimal fraction with four places ("0.0500").
func (r Rate) Fraction() string { return formatFixed(int64(r), 4) }

// MulRate returns f × r rounded to the nearest fen, halves away from zero.
// This is the one rounding step of the system; callers say where they use it.
func (f Fen) MulRate(r Rate) Fen { return Share(f, int64(r), int64(Whole)) }

// Share returns f × num / den rounded to the nearest fen, halves away from
// zero, computed exactly in 128 bits. den must be positive.
func Share(f Fen, num, den int64) Fen {
	if den <= 0 {
		panic("money.Share: non-positive denominator")
	}
	neg := (f < 0) != (num < 0)
	a, b := uabs(int64(f)), uabs(num)
	hi, lo := bits.Mul64(a, b)
	d := uint64(den)
	if hi >= d {
		panic("money.Share: overflow")
	}
	q, rem := bits.Div64(hi, lo, d)
	if q > math.MaxInt64 { // checked before rounding up, which could wrap q to 0
		panic("money.Share: overflow")
	}
	if rem >= d-rem { // rem*2 >= d without overflow
		q++
	}
	if q > math.MaxInt64 {
		panic("money.Share: overflow")
	}
	if neg {
		return -Fen(q)
	}
	return Fen(q)
}

func uabs(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// Mul returns f × n, reporting overflow.
func (f Fen) Mul(n int64) (Fen, bool) {
	hi, lo := bits.Mul64(uabs(int64(f)), uabs(n))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (f < 0) != (n < 0) {
		return -Fen(lo), true
	}
	return Fen(lo), true
}
