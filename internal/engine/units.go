package engine

import (
	"errors"
	"math"
	"math/bits"
	"strings"

	"ncms/internal/money"
)

// Qty is a quantity in 1/10,000 units ("0.5" box = 5000), parsed exactly.
type Qty int64

// Price is a unit price in 1/1,000,000 yuan (the HIS pric field has six decimals).
type Price int64

// Ratio is a self-pay share (selfpay_prop), in basis points like money.Rate.
// Text is either a percentage "5%" or a fraction "0.05".
type Ratio money.Rate

// Class is the catalogue class of an item (甲类 / 乙类 / 丙类).
type Class uint8

// Catalogue classes. ClassNone is an item not in the catalogue.
const (
	ClassNone Class = iota
	ClassA
	ClassB
	ClassC
)

var errDecimal = errors.New("not a plain decimal / 不是规范的十进制数")

// parseScaled parses a plain decimal with at most places decimals, scaled by 10^places.
func parseScaled(s string, places int) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	ip, fp, dot := strings.Cut(s, ".")
	if ip == "" || (dot && fp == "") || len(fp) > places {
		return 0, errDecimal
	}
	var v uint64
	for _, part := range [2]string{ip, fp + strings.Repeat("0", places-len(fp))} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, errDecimal
			}
			hi, lo := bits.Mul64(v, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			if hi != 0 || carry != 0 || lo > math.MaxInt64/100 {
				return 0, errDecimal
			}
			v = lo
		}
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

func formatScaled(v int64, places int) string {
	neg := v < 0
	u := v
	if neg {
		u = -v
	}
	p := int64(1)
	for i := 0; i < places; i++ {
		p *= 10
	}
	frac := itoa64(u % p)
	frac = strings.Repeat("0", places-len(frac)) + frac
	frac = strings.TrimRight(frac, "0")
	out := itoa64(u / p)
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func itoa64(v int64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

func unquote(b []byte) string {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// UnmarshalJSON reads "0.5" or 0.5 exactly (at most 4 decimals).
func (q *Qty) UnmarshalJSON(b []byte) error {
	v, err := parseScaled(unquote(b), 4)
	if err != nil {
		return errors.New("quantity " + string(b) + ": at most 4 decimals / 数量格式错误")
	}
	*q = Qty(v)
	return nil
}

// MarshalJSON writes the quantity as a decimal string.
func (q Qty) MarshalJSON() ([]byte, error) { return []byte(`"` + q.String() + `"`), nil }

// String formats the quantity without trailing zeros ("0.5", "12").
func (q Qty) String() string { return formatScaled(int64(q), 4) }

// ParseQty reads a decimal quantity with at most 4 decimals.
func ParseQty(s string) (Qty, error) { v, err := parseScaled(s, 4); return Qty(v), err }

// ParsePrice reads a decimal unit price in yuan with at most 6 decimals.
func ParsePrice(s string) (Price, error) { v, err := parseScaled(s, 6); return Price(v), err }

// UnmarshalJSON reads "12.345678" or 12.345678 exactly (at most 6 decimals).
func (p *Price) UnmarshalJSON(b []byte) error {
	v, err := parseScaled(unquote(b), 6)
	if err != nil {
		return errors.New("price " + string(b) + ": at most 6 decimals / 单价格式错误")
	}
	*p = Price(v)
	return nil
}

// MarshalJSON writes the price as a decimal string.
func (p Price) MarshalJSON() ([]byte, error) { return []byte(`"` + p.String() + `"`), nil }

// String formats the price without trailing zeros beyond two decimals.
func (p Price) String() string {
	s := formatScaled(int64(p), 6)
	if !strings.Contains(s, ".") {
		return s + ".00"
	}
	if i := strings.IndexByte(s, '.'); len(s)-i-1 < 2 {
		s += "0"
	}
	return s
}

// UnmarshalJSON reads "5%" (percentage) or "0.05" (fraction, as HIS selfpay_prop).
func (r *Ratio) UnmarshalJSON(b []byte) error {
	s := unquote(b)
	var v money.Rate
	var err error
	if strings.HasSuffix(s, "%") {
		v, err = money.ParseRate(s)
	} else {
		v, err = money.ParseFraction(s)
	}
	if err != nil || v < 0 || v > money.Whole {
		return errors.New("self-pay share " + string(b) + ": use 5% or 0.05, between 0 and 100% / 自付比例格式错误")
	}
	*r = Ratio(v)
	return nil
}

// MarshalJSON writes the share as a percentage string.
func (r Ratio) MarshalJSON() ([]byte, error) { return []byte(`"` + money.Rate(r).String() + `"`), nil }

// UnmarshalText reads A/B/C, 甲/乙/丙 or the HIS chrgitm_lv codes 01/02/03;
// an empty class means "not in the catalogue".
func (c *Class) UnmarshalText(b []byte) error {
	switch string(b) {
	case "A", "a", "甲", "01", "1":
		*c = ClassA
	case "B", "b", "乙", "02", "2":
		*c = ClassB
	case "C", "c", "丙", "03", "3":
		*c = ClassC
	case "":
		*c = ClassNone
	default:
		return errors.New("class " + string(b) + ": use A, B or C / 目录类别应为甲乙丙")
	}
	return nil
}

// MarshalText writes A, B, C or "".
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// String returns "A", "B", "C" or "".
func (c Class) String() string { return [...]string{"", "A", "B", "C"}[c&3] }
