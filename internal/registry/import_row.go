package registry

import (
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/idcard"
	"ncms/internal/importfile"
)

// parsedRow is one row of a household file, checked on its own.
type parsedRow struct {
	num                             int
	household, town, village, group string
	address                         string
	person                          PersonInput
	idOK                            bool // person.IDNumber is a valid 18-character number
	errs                            []apperr.FieldError
}

// rowParser checks single rows; cross-row rules are in importCheck.
type rowParser struct {
	rd    *importfile.Reader
	today civil.Date
}

// parse reads and checks one row: every problem of the row is reported,
// each naming the column as the file's header writes it.
func (p rowParser) parse(r importfile.Row) parsedRow {
	out := parsedRow{num: r.Num, household: r.Get("household_no"), town: r.Get("township"),
		village: r.Get("village"), group: r.Get("group"), address: r.Get("address")}
	bad := func(key, code, zh, en, value string) {
		out.errs = append(out.errs, apperr.FieldError{Row: r.Num, Field: p.rd.ColumnName(key), Code: code, Zh: zh, En: en, Value: value})
	}
	p.checkPlace(&out, bad)
	in := PersonInput{IDNumber: r.Get("id_number"), Name: r.Get("name"), Phone: r.Get("phone"), Relation: r.Get("relation")}
	rawID := in.IDNumber
	if s := r.Get("sex"); s != "" {
		if in.Sex = parseSex(s); in.Sex == 0 {
			bad("sex", "bad_sex", "性别应为“男”或“女”", "sex must be 男 (male) or 女 (female)", s)
		}
	}
	if s := r.Get("birth_date"); s != "" {
		var ok bool
		if in.BirthDate, ok = parseLooseDate(s); !ok {
			bad("birth_date", "bad_date", "出生日期格式不正确（如 1990-01-31）", "birth date not understood (e.g. 1990-01-31)", s)
		}
	}
	if s := r.Get("categories"); s != "" {
		cs, err := ParseCategories(s)
		if err != nil {
			f := fieldOf(err)
			bad("categories", f.Code, f.Zh, f.En, s)
		}
		in.Categories = cs
	}
	person, fs := CheckPerson(in, p.today)
	out.idOK = len(person.IDNumber) == idcard.Length
	for _, f := range fs {
		if f.Field == "id_number" {
			out.idOK = false
		}
		if f.Field == "id_number" && sciNotation(rawID) {
			f.Code, f.Zh, f.En = "id_scientific", "身份证号被表格软件改成了科学计数法（如5.2E+17），后几位已丢失；请把该列设为“文本”后重新填写",
				"the ID number was turned into scientific notation (5.2E+17) by the spreadsheet and its last digits are lost; format the column as text and re-enter it"
		}
		bad(f.Field, f.Code, f.Zh, f.En, f.Value)
	}
	out.person = person
	return out
}

// checkPlace checks the household number and the area names.
func (p rowParser) checkPlace(out *parsedRow, bad func(key, code, zh, en, value string)) {
	switch {
	case out.household == "":
		bad("household_no", "required", "请填写户编号（同一户的成员填写相同的户编号）", "household number is required (members of one household share it)", "")
	default:
		if err := checkNumber(out.household); err != nil {
			f := fieldOf(err)
			bad("household_no", f.Code, f.Zh, f.En, out.household)
		}
	}
	for _, c := range []struct{ key, val, zh, en string }{
		{"township", out.town, "乡镇", "township"}, {"village", out.village, "村", "village"}, {"group", out.group, "组", "group"},
	} {
		if c.val == "" {
			if c.key != "group" {
				bad(c.key, "required", "请填写"+c.zh, c.en+" is required", "")
			}
			continue
		}
		if _, err := checkAreaName(c.val); err != nil {
			bad(c.key, "bad_name", c.zh+"名称过长或含有非法字符", c.en+" name too long or has forbidden characters", c.val)
		}
	}
	if utf8.RuneCountInString(out.address) > 100 {
		bad("address", "too_long", "地址过长（最多100字）", "address is too long (at most 100 characters)", "")
	}
}

// sciNotation reports whether s looks like a number in scientific notation.
func sciNotation(s string) bool {
	return strings.ContainsAny(s, "Ee") && strings.ContainsAny(s, "+.")
}

// parseSex reads 男/女, 1/2, M/F, male/female; 0 when not understood.
func parseSex(s string) idcard.Sex {
	switch strings.ToLower(s) {
	case "男", "男性", "1", "m", "male":
		return idcard.Male
	case "女", "女性", "2", "f", "female":
		return idcard.Female
	}
	return 0
}

// looseLayouts are the date forms clerks and spreadsheets write.
var looseLayouts = []string{"2006-1-2", "2006/1/2", "2006.1.2", "20060102", "2006年1月2日", "2006-01-02 15:04:05", "2006/1/2 15:04:05", "2006/1/2 15:04"}

// parseLooseDate reads a day written in one of looseLayouts.
func parseLooseDate(s string) (civil.Date, bool) {
	for _, l := range looseLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return civil.Of(t), true
		}
	}
	return civil.Date{}, false
}
