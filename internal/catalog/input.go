package catalog

import (
	"strings"
	"unicode/utf8"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/institution"
	"ncms/internal/money"
)

// Input is one version of an item as entered or imported.
type Input struct {
	Code        string
	Name        string
	Kind        Kind
	Class       engine.Class
	SelfPay     money.Rate   // class B only; 0..100%
	PriceCap    engine.Price // 0: none
	Price       engine.Price // 0: unknown
	Unit        string
	Spec        string
	FeeType     string // HIS med_chrgitm_type, 2 digits, optional
	Essential   bool
	Restricted  bool
	Restriction string
	Levels      []string   // institution level codes; empty: all
	ValidFrom   civil.Date // zero: today
	ValidTo     civil.Date // zero: open-ended
}

// Text is an item as text fields (a form or a file row), keyed by the
// canonical column names of Columns.
type Text map[string]string

// Columns are the canonical column names, in template order.
var Columns = []string{"med_list_codg", "name", "kind", "class", "selfpay_prop", "price_cap", "price",
	"unit", "spec", "med_chrgitm_type", "essential", "restricted", "restriction", "levels", "valid_from", "valid_to"}

// Parse reads text fields into an Input, collecting every problem; row is
// the file row for the errors (0 for a form).
func Parse(t Text, row int) (Input, []apperr.FieldError) {
	p := parser{t: t, row: row}
	in := Input{
		Code: strings.TrimSpace(t["med_list_codg"]), Name: strings.TrimSpace(t["name"]),
		Unit: strings.TrimSpace(t["unit"]), Spec: strings.TrimSpace(t["spec"]),
		FeeType: strings.TrimSpace(t["med_chrgitm_type"]), Restriction: strings.TrimSpace(t["restriction"]),
	}
	if k := strings.TrimSpace(t["kind"]); k != "" {
		var ok bool
		if in.Kind, ok = ParseKind(k); !ok {
			p.add("kind", "kind", "类型应为 药品/诊疗项目/服务设施 (drug/service/facility)", "kind must be drug, service or facility")
		}
	}
	if c := strings.TrimSpace(t["class"]); c != "" && in.Class.UnmarshalText([]byte(c)) != nil {
		p.add("class", "class", "类别应为 甲/乙/丙 (A/B/C)", "class must be A, B or C (甲/乙/丙)")
	}
	in.SelfPay = p.rate("selfpay_prop")
	in.PriceCap = p.price("price_cap")
	in.Price = p.price("price")
	in.Essential = p.flag("essential")
	in.Restricted = p.flag("restricted")
	in.Levels = p.levels("levels")
	in.ValidFrom = p.date("valid_from")
	in.ValidTo = p.date("valid_to")
	return in, p.errs
}

type parser struct {
	t    Text
	row  int
	errs []apperr.FieldError
}

func (p *parser) add(field, code, zh, en string) {
	p.errs = append(p.errs, apperr.FieldError{Row: p.row, Field: field, Code: code, Zh: zh, En: en, Value: p.t[field]})
}

// rate reads a share as a fraction ("0.05", at most 4 decimals) or a
// percentage ("5%", at most 2 decimals), between 0 and 1.
func (p *parser) rate(f string) money.Rate {
	s := strings.TrimSpace(p.t[f])
	if s == "" {
		return 0
	}
	var r money.Rate
	var err error
	if strings.HasSuffix(s, "%") {
		r, err = money.ParseRate(s)
	} else {
		r, err = money.ParseFraction(s)
	}
	if err != nil || r < 0 || r > money.Whole {
		p.add(f, "selfpay_range", "自付比例应为0至1之间的小数(最多4位小数)或百分数,如 0.05 或 5%",
			"self-pay share must be a fraction from 0 to 1 with at most 4 decimals, or a percentage, e.g. 0.05 or 5%")
		return 0
	}
	return r
}

func (p *parser) price(f string) engine.Price {
	s := strings.TrimSpace(p.t[f])
	if s == "" {
		return 0
	}
	v, err := engine.ParsePrice(s)
	if err != nil || v < 0 {
		p.add(f, "price", "价格应为非负数,最多6位小数", "price must be a non-negative number with at most 6 decimals")
		return 0
	}
	return v
}

func (p *parser) flag(f string) bool {
	switch strings.ToLower(strings.TrimSpace(p.t[f])) {
	case "", "0", "n", "no", "false", "否", "f":
		return false
	case "1", "y", "yes", "true", "是", "t":
		return true
	}
	p.add(f, "flag", "应填 是/否 (1/0)", "must be yes or no (1/0)")
	return false
}

func (p *parser) levels(f string) []string {
	s := strings.TrimSpace(p.t[f])
	if s == "" {
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",，;；、/| ", r) })
	var out []string
	for _, part := range parts {
		l, ok := institution.ParseLevel(part)
		if !ok {
			p.add(f, "level", "级别应为 village/township/county/city/province (村/乡镇/县/市/省),以逗号分隔",
				"levels must be village, township, county, city or province, separated by commas")
			return nil
		}
		if !contains(out, string(l)) {
			out = append(out, string(l))
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func (p *parser) date(f string) civil.Date {
	s := strings.TrimSpace(p.t[f])
	if s == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(strings.ReplaceAll(s, "/", "-"))
	if err != nil {
		p.add(f, "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
	}
	return d
}

// check validates an Input whose text fields parsed, adding to errs.
func (in *Input) check(row int, errs []apperr.FieldError) []apperr.FieldError {
	add := func(f, code, zh, en string) {
		for _, e := range errs {
			if e.Field == f {
				return // one problem per field: the parse error says it
			}
		}
		errs = append(errs, apperr.FieldError{Row: row, Field: f, Code: code, Zh: zh, En: en})
	}
	if in.Code == "" {
		add("med_list_codg", "required", "目录编码不能为空", "code is required")
	} else if len(in.Code) > 50 || !codeChars(in.Code) {
		add("med_list_codg", "code_format", "目录编码只能含字母、数字、-、_、.,最长50位",
			"code may hold letters, digits, '-', '_' and '.', at most 50 characters")
	}
	if in.Name == "" {
		add("name", "required", "名称不能为空", "name is required")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		add("name", "too_long", "名称不超过200字", "name must be at most 200 characters")
	}
	if in.Kind == "" {
		add("kind", "required", "类型不能为空", "kind is required")
	}
	if in.Class == engine.ClassNone {
		add("class", "required", "类别(甲/乙/丙)不能为空", "class (A/B/C) is required")
	}
	if in.Class != engine.ClassB && in.Class != engine.ClassNone && in.SelfPay != 0 {
		add("selfpay_prop", "selfpay_not_b", "只有乙类项目有先行自付比例", "only class B items have a self-pay share")
	}
	if in.Restricted && in.Restriction == "" {
		add("restriction", "required", "限定使用项目须填写限定范围", "a restricted item needs its restriction text")
	}
	if in.FeeType != "" && (len(in.FeeType) != 2 || !codeChars(in.FeeType)) {
		add("med_chrgitm_type", "fee_type", "收费项目类别应为2位代码,如 09", "med_chrgitm_type must be a 2-character code, e.g. 09")
	}
	if !in.ValidTo.IsZero() && !in.ValidFrom.IsZero() && in.ValidTo.Before(in.ValidFrom) {
		add("valid_to", "date_order", "失效日期早于生效日期", "valid_to is before valid_from")
	}
	return errs
}

func codeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// sameTerms reports whether a stored version says what in says.
func (e Entry) sameTerms(in Input) bool {
	return e.Name == in.Name && e.Kind == in.Kind && e.Class == in.Class && e.SelfPay == in.SelfPay &&
		e.PriceCap == in.PriceCap && e.Price == in.Price && e.Unit == in.Unit && e.Spec == in.Spec &&
		e.FeeType == in.FeeType && e.Essential == in.Essential && e.Restricted == in.Restricted &&
		e.Restriction == in.Restriction && strings.Join(e.Levels, ",") == strings.Join(in.Levels, ",") &&
		e.ValidTo == in.ValidTo
}
