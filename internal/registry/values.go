package registry

import (
	"sort"
	"strings"
	"unicode/utf8"

	"ncms/internal/apperr"
)

// Category is a person category that matters for contributions and
// compensation (SPEC §3). The stored value is a stable ASCII code; screens
// show the Chinese name.
type Category string

// The person categories.
const (
	Wubao    Category = "wubao"    // 五保 five-guarantee household member
	Dibao    Category = "dibao"    // 低保 minimum living allowance
	Tekun    Category = "tekun"    // 特困 extremely poor
	Youfu    Category = "youfu"    // 优抚 entitled groups (veterans, martyrs' families)
	Disabled Category = "disabled" // 残疾 disabled
	Poor     Category = "poor"     // 建档立卡贫困 registered poor
	Migrant  Category = "migrant"  // 外出务工 migrant worker
)

// AllCategories lists the categories in display order.
var AllCategories = []Category{Wubao, Dibao, Tekun, Youfu, Disabled, Poor, Migrant}

var categoryNames = map[Category][2]string{
	Wubao:    {"五保", "five-guarantee"},
	Dibao:    {"低保", "minimum living allowance"},
	Tekun:    {"特困", "extremely poor"},
	Youfu:    {"优抚", "entitled group"},
	Disabled: {"残疾", "disabled"},
	Poor:     {"建档立卡贫困", "registered poor"},
	Migrant:  {"外出务工", "migrant worker"},
}

// categoryAliases maps other spellings (Chinese variants, English) to codes.
var categoryAliases = map[string]Category{
	"五保户": Wubao, "五保供养": Wubao, "低保户": Dibao, "最低生活保障": Dibao,
	"特困供养": Tekun, "特困人员": Tekun, "优抚对象": Youfu, "重点优抚对象": Youfu,
	"残疾人": Disabled, "贫困": Poor, "贫困户": Poor, "建档立卡": Poor, "建档立卡贫困户": Poor,
	"建档立卡贫困人口": Poor, "务工": Migrant, "外出": Migrant, "外出务工人员": Migrant,
}

// Label returns the category's Chinese and English names.
func (c Category) Label() (zh, en string) {
	n, ok := categoryNames[c]
	if !ok {
		return string(c), string(c)
	}
	return n[0], n[1]
}

// Zh returns the Chinese name.
func (c Category) Zh() string { zh, _ := c.Label(); return zh }

// Valid reports whether c is a known category code.
func (c Category) Valid() bool { _, ok := categoryNames[c]; return ok }

// ParseCategory reads a category from its code, its Chinese or English
// name, or a common variant ("低保户", "五保供养").
func ParseCategory(s string) (Category, bool) {
	s = strings.TrimSpace(s)
	if c := Category(strings.ToLower(s)); c.Valid() {
		return c, true
	}
	for c, n := range categoryNames {
		if s == n[0] || strings.EqualFold(s, n[1]) {
			return c, true
		}
	}
	c, ok := categoryAliases[s]
	return c, ok
}

// Categories is a set of categories kept in display order without repeats.
type Categories []Category

// ParseCategories reads a list separated by 、 ， , ; ； / or spaces. An
// unknown name is an error naming it.
func ParseCategories(s string) (Categories, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("、，,;；/ 　|", r)
	})
	var out Categories
	for _, p := range parts {
		c, ok := ParseCategory(p)
		if !ok {
			return nil, apperr.Field("categories", "unknown_category",
				"未知的人员类别“"+p+"”（可用：五保、低保、特困、优抚、残疾、建档立卡贫困、外出务工）",
				"unknown category "+p)
		}
		out = append(out, c)
	}
	return out.Norm(), nil
}

// Norm returns the set sorted in display order without repeats or unknown codes.
func (cs Categories) Norm() Categories {
	rank := map[Category]int{}
	for i, c := range AllCategories {
		rank[c] = i
	}
	seen := map[Category]bool{}
	var out Categories
	for _, c := range cs {
		if c.Valid() && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return rank[out[i]] < rank[out[j]] })
	return out
}

// Has reports whether c is in the set.
func (cs Categories) Has(c Category) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// Codes returns the stored form: codes joined by commas.
func (cs Categories) Codes() string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// Zh returns the Chinese names joined by 、.
func (cs Categories) Zh() string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Zh()
	}
	return strings.Join(s, "、")
}

// categoriesFromCodes reads the stored form.
func categoriesFromCodes(s string) Categories {
	var out Categories
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, Category(p))
		}
	}
	return out
}

// Head is the relation that marks the head of a household.
const Head = "户主"

// Relations are the usual relations to the head, offered by forms. Others
// are accepted as typed.
var Relations = []string{Head, "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父亲", "母亲", "兄弟", "姐妹", "其他"}

// NormalizeRelation trims a relation and maps the usual spellings of "head"
// (本人, 户主本人) to Head. It returns an error for an empty or overlong one.
func NormalizeRelation(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "本人", "户主本人", "head", "Head", "self":
		s = Head
	case "":
		return "", apperr.Field("relation", "required", "请填写与户主关系", "relation to the head is required")
	}
	if utf8.RuneCountInString(s) > 10 {
		return "", apperr.Field("relation", "too_long", "与户主关系过长", "relation is too long")
	}
	return s, nil
}

// NormalizePhone checks a Chinese phone number loosely and returns it with
// spaces removed: a mobile number (11 digits from 13–19, optionally +86), or
// a landline with or without area code (0851-8xxxxxxx, 8xxxxxxx), with an
// optional extension. Empty is allowed (no phone).
func NormalizePhone(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\u3000':
			return -1
		case r == '－' || r == '—':
			return '-'
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		}
		return r
	}, s)
	if s == "" {
		return "", nil
	}
	bad := apperr.Field("phone", "bad_phone", "电话号码格式不正确（手机11位，座机如0851-12345678）",
		"not a valid phone number (mobile: 11 digits; landline: 0851-12345678)")
	digits := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086"), "-", "")
	if strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", bad
	}
	switch {
	case len(digits) == 11 && digits[0] == '1' && digits[1] >= '3':
		return digits, nil
	case strings.HasPrefix(digits, "0") && len(digits) >= 10 && len(digits) <= 16,
		!strings.HasPrefix(s, "+") && digits[0] != '0' && digits[0] != '1' && len(digits) >= 7 && len(digits) <= 8:
		return s, nil
	}
	return "", bad
}
