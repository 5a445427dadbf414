package idcard

import "fmt"

// Error is a reason why a text is not a valid resident ID number. Its message
// is Chinese first, then English, and fit to show next to the form field or
// in an import report. It never contains the ID number itself, so it may be
// logged.
//
// Compare with errors.Is against the Err… values: an Error matches the value
// with the same Code, whatever its Detail.
type Error struct {
	// Code is a stable machine-readable name, e.g. "idcard.check_char".
	Code string
	// Zh and En are the message in Chinese and in English.
	Zh, En string
	// Detail, when set, adds where the problem is, e.g. the character
	// position or the length found ("第7位 / character 7").
	Detail string
}

// Error returns "中文 / English", followed by the detail in parentheses.
func (e *Error) Error() string {
	msg := e.Zh + " / " + e.En
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// with returns a copy of e carrying a detail.
func (e *Error) with(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// The reasons a number is refused, in the order they are checked.
var (
	// ErrLength: not 18 characters (and not a 15-digit old number).
	ErrLength = &Error{Code: "idcard.length", Zh: "身份证号应为18位", En: "ID number must have 18 characters"}
	// ErrOldFormat: a 15-digit number of the first generation (GB 11643-1989).
	// Upgrade15 converts it; the registry stores only 18-digit numbers.
	ErrOldFormat = &Error{Code: "idcard.old_format", Zh: "15位旧身份证号，请换发18位", En: "15-digit old-format number, use the 18-digit one"}
	// ErrDigit: one of the first 17 characters is not an ASCII digit, or the
	// 18th is neither a digit nor X. Full-width digits are refused here too.
	ErrDigit = &Error{Code: "idcard.digit", Zh: "含有非数字字符", En: "contains a character that is not a digit"}
	// ErrLowerX: the check character is a lower-case x. Normalize fixes it.
	ErrLowerX = &Error{Code: "idcard.lower_x", Zh: "校验位应为大写X", En: "check character must be an upper-case X"}
	// ErrArea: the first two digits are not a province code of GB/T 2260.
	ErrArea = &Error{Code: "idcard.area", Zh: "地址码（省份）无效", En: "invalid area (province) code"}
	// ErrBirthDate: digits 7–14 are not a real date (e.g. 19990229, 20011301)
	// or are before 1800.
	ErrBirthDate = &Error{Code: "idcard.birth_date", Zh: "出生日期无效", En: "impossible birth date"}
	// ErrCheckChar: the 18th character does not match the ISO 7064 MOD 11-2
	// check of the first 17. Usually another digit was mistyped.
	ErrCheckChar = &Error{Code: "idcard.check_char", Zh: "校验位错误", En: "wrong check character"}
	// ErrFutureBirth: the birth date is after the day given to CheckBirth.
	ErrFutureBirth = &Error{Code: "idcard.future_birth", Zh: "出生日期晚于当前日期", En: "birth date is in the future"}
)
