package institution

import (
	"strings"
	"unicode/utf8"

	"ncms/internal/apperr"
)

// Input is what a clerk enters for an institution (create or edit).
type Input struct {
	Code            string `json:"fixmedins_code"`
	Name            string `json:"fixmedins_name"`
	Level           Level  `json:"level"`
	Private         bool   `json:"private"`
	AreaID          int64  `json:"area_id,omitempty"`
	AreaCode        string `json:"area_code,omitempty"` // alternative to AreaID: the area's division code
	InCounty        bool   `json:"in_county"`
	Agreement       bool   `json:"agreement"`
	Networked       bool   `json:"networked"`
	BankName        string `json:"bank_name"`
	BankAccountName string `json:"bank_account_name"`
	BankAccountNo   string `json:"bank_account_no"`
}

// ValidCode reports whether s has the form of a national designated
// institution code (fixmedins_code): 'H' (medical institution) or 'P'
// (pharmacy), the 6-digit administrative division code, and a 5-digit
// serial — 12 characters, e.g. H52022100001.
func ValidCode(s string) bool {
	if len(s) != 12 || (s[0] != 'H' && s[0] != 'P') {
		return false
	}
	return allDigits(s[1:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// normalize trims the text fields and removes spaces and dashes from the
// account number, as clerks type it in groups of four.
func (in *Input) normalize() {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.BankName = strings.TrimSpace(in.BankName)
	in.BankAccountName = strings.TrimSpace(in.BankAccountName)
	in.BankAccountNo = strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(in.BankAccountNo)
}

// validate checks the input and returns every problem at once.
func (in *Input) validate() error {
	in.normalize()
	var c apperr.Collector
	if !ValidCode(in.Code) {
		c.AddField("fixmedins_code", "code_format",
			"机构编码应为12位:H或P + 6位行政区划代码 + 5位顺序号,如 H52022100001",
			"institution code must be 12 characters: H or P, a 6-digit division code and a 5-digit serial, e.g. H52022100001")
	}
	if in.Name == "" {
		c.AddField("fixmedins_name", "required", "机构名称不能为空", "name is required")
	} else if utf8.RuneCountInString(in.Name) > 100 {
		c.AddField("fixmedins_name", "too_long", "机构名称不超过100字", "name must be at most 100 characters")
	}
	if !in.Level.Valid() {
		c.AddField("level", "level", "机构级别应为 village/township/county/city/province",
			"level must be village, township, county, city or province")
	}
	if in.InCounty && in.AreaID == 0 && in.AreaCode == "" {
		c.AddField("area_id", "required", "县内机构须选择所在地区", "an in-county institution needs its area")
	}
	in.validateBank(&c)
	return c.Err()
}

func (in *Input) validateBank(c *apperr.Collector) {
	any := in.BankName != "" || in.BankAccountName != "" || in.BankAccountNo != ""
	if !any {
		return
	}
	if in.BankName == "" {
		c.AddField("bank_name", "required", "请填写开户银行", "bank name is required with an account")
	}
	if in.BankAccountName == "" {
		c.AddField("bank_account_name", "required", "请填写账户名称", "account name is required with an account")
	}
	if !allDigits(in.BankAccountNo) || len(in.BankAccountNo) < 8 || len(in.BankAccountNo) > 32 {
		c.AddField("bank_account_no", "account_format", "银行账号应为8至32位数字",
			"bank account number must be 8 to 32 digits")
	}
}

// MaskAccount returns the account number with all but the last four digits
// hidden, for lists.
func MaskAccount(no string) string {
	if len(no) <= 4 {
		return no
	}
	return strings.Repeat("*", len(no)-4) + no[len(no)-4:]
}
