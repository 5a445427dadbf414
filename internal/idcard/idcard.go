// Package idcard validates and reads resident identity numbers of the
// People's Republic of China (公民身份号码, GB 11643-1999).
//
// An 18-character number is made of
//
//	positions  1–6   area code (GB/T 2260) where the number was first issued
//	positions  7–14  birth date YYYYMMDD
//	positions 15–17  sequence code; its parity gives the sex (odd = male)
//	position  18     check character 0–9 or X, ISO 7064 MOD 11-2
//
// The package is pure: no I/O, no clock. Functions that need "today" take it
// as an argument (CheckBirth).
//
// Input is taken strictly: Parse and Validate refuse surrounding spaces,
// full-width digits and a lower-case check character x. Callers that accept
// typed or imported text call Normalize first, which upper-cases x and
// changes nothing else; trimming spaces is left to the caller, on purpose,
// so that a stray character in an import file is reported rather than
// silently dropped.
//
// Full numbers are personal data: show and log them only through Mask. The
// errors of this package never contain the number.
package idcard

import (
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/civil"
)

// Length is the number of characters of a current resident ID number.
const Length = 18

// Sex is the sex recorded in an ID number. The zero value means "not known".
// The values are the codes of GB/T 2261.1.
type Sex uint8

// The sexes an ID number can record.
const (
	Male   Sex = 1
	Female Sex = 2
)

// String returns "male", "female" or "unknown".
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// Chinese returns "男", "女" or "未知".
func (s Sex) Chinese() string {
	switch s {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return "未知"
}

// ID is a valid 18-character resident ID number and what it says.
//
// String and LogValue print the masked number, so that an ID passed to fmt
// or log/slog does not leak; use the Number field where the full number is
// really needed (storage, matching).
type ID struct {
	// Number is the full 18-character number, with an upper-case X.
	Number string
	// AreaCode is the 6-digit GB/T 2260 code of the place of first issue.
	AreaCode string
	// BirthDate is the date of birth, digits 7–14.
	BirthDate civil.Date
	// Seq is the 3-digit sequence code, 0–999.
	Seq int
	// Sex is Male for an odd sequence code and Female for an even one.
	Sex Sex
}

// Province returns the first two digits of the area code, e.g. "52".
func (id ID) Province() string { return id.AreaCode[:2] }

// AgeOn returns the age in whole years on the given day.
func (id ID) AgeOn(day civil.Date) int { return id.BirthDate.AgeOn(day) }

// String returns the masked number (see Mask).
func (id ID) String() string { return Mask(id.Number) }

// LogValue makes log/slog print the masked number.
func (id ID) LogValue() slog.Value { return slog.StringValue(Mask(id.Number)) }

// Normalize returns s with ASCII lower-case letters upper-cased, so that a
// check character typed as 'x' becomes 'X'. It changes nothing else: no
// trimming, no full-width conversion.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}, s)
}

// Validate reports whether s is a valid 18-character resident ID number. It
// returns nil or an *Error; see Parse for the checks.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

// Parse checks s and returns what it says. The checks, in order, each with
// its error (compare with errors.Is):
//
//   - 15 digits: ErrOldFormat; another length: ErrLength
//   - a character that is not a digit (or X last): ErrDigit; a last 'x':
//     ErrLowerX (call Normalize first to accept it)
//   - the first two digits are not a province code: ErrArea
//   - the birth date is not a real day from 1800 on: ErrBirthDate
//   - the check character is wrong: ErrCheckChar
//
// Parse does not know today's date; use CheckBirth for dates in the future.
func Parse(s string) (ID, error) {
	if err := checkShape(s); err != nil {
		return ID{}, err
	}
	if !validProvince(s[:2]) {
		return ID{}, ErrArea.with("前两位%s / first two digits %s", s[:2], s[:2])
	}
	birth, ok := birthDate(s[6:10], s[10:12], s[12:14])
	if !ok {
		return ID{}, ErrBirthDate
	}
	if CheckChar(s[:17]) != s[17] {
		return ID{}, ErrCheckChar
	}
	seq := atoi(s[14:17])
	sex := Female
	if seq%2 == 1 {
		sex = Male
	}
	return ID{Number: s, AreaCode: s[:6], BirthDate: birth, Seq: seq, Sex: sex}, nil
}

// CheckBirth returns ErrFutureBirth if id's birth date is after today.
func CheckBirth(id ID, today civil.Date) error {
	if id.BirthDate.After(today) {
		return ErrFutureBirth
	}
	return nil
}

// checkShape checks the length and the characters of an 18-character number.
func checkShape(s string) error {
	n := utf8.RuneCountInString(s)
	if n == 15 && allDigits(s) {
		return ErrOldFormat
	}
	if n != Length {
		return ErrLength.with("实际%d位 / got %d", n, n)
	}
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case '0' <= r && r <= '9':
		case pos == Length && r == 'X':
		case pos == Length && r == 'x':
			return ErrLowerX
		default:
			return ErrDigit.with("第%d位 / character %d", pos, pos)
		}
	}
	return nil
}

// CheckChar returns the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X')
// for the first 17 digits of a number. It returns 0 if first17 is not
// exactly 17 ASCII digits.
func CheckChar(first17 string) byte {
	if len(first17) != Length-1 || !allDigits(first17) {
		return 0
	}
	// Horner's rule: digit i (from 1) gets weight 2^(18-i) mod 11.
	sum := 0
	for i := 0; i < len(first17); i++ {
		sum = (sum + int(first17[i]-'0')) * 2 % 11
	}
	// The check value c makes sum + c ≡ 1 (mod 11).
	c := (12 - sum) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// Mask hides the middle of a number for display and logs:
// "520201199001011234" becomes "5202**********1234". The result has as many
// characters as s. At most 4 characters are kept at each end, and never more
// than a quarter of s at each end, so that short or mistyped input never
// reveals more than 8 characters nor more than half of itself.
func Mask(s string) string {
	runes := []rune(s)
	keep := min(4, len(runes)/4)
	for i := keep; i < len(runes)-keep; i++ {
		runes[i] = '*'
	}
	return string(runes)
}

// Upgrade15 converts a 15-digit first-generation number (GB 11643-1989:
// area, YYMMDD, sequence) to its 18-digit form: the century is inserted
// before the year and a check character appended. The century is 19, except
// for the sequence codes 996–999, which the 1989 standard reserved for people
// over a hundred years old, whose century is 18.
//
// The errors are those of Parse (ErrLength, ErrDigit, ErrArea, ErrBirthDate).
func Upgrade15(s string) (string, error) {
	if n := utf8.RuneCountInString(s); n != 15 {
		return "", ErrLength.with("旧号应为15位，实际%d位 / an old number has 15 digits, got %d", n, n)
	}
	for i := 0; i < len(s); i++ { // 15 runes and 15 bytes once all are digits
		if s[i] < '0' || s[i] > '9' {
			return "", ErrDigit.with("第%d位 / character %d", i+1, i+1)
		}
	}
	if !validProvince(s[:2]) {
		return "", ErrArea.with("前两位%s / first two digits %s", s[:2], s[:2])
	}
	century := "19"
	if atoi(s[12:15]) >= 996 {
		century = "18"
	}
	if _, ok := birthDate(century+s[6:8], s[8:10], s[10:12]); !ok {
		return "", ErrBirthDate
	}
	first17 := s[:6] + century + s[6:]
	return first17 + string(CheckChar(first17)), nil
}

// validProvince reports whether p (two digits) is a province-level code of
// GB/T 2260: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71 (Taiwan), 81 (Hong
// Kong), 82 (Macao).
func validProvince(p string) bool {
	if len(p) != 2 || !allDigits(p) {
		return false
	}
	switch n := atoi(p); {
	case 11 <= n && n <= 15, 21 <= n && n <= 23, 31 <= n && n <= 37,
		41 <= n && n <= 46, 50 <= n && n <= 54, 61 <= n && n <= 65,
		n == 71, n == 81, n == 82:
		return true
	}
	return false
}

// birthDate reads YYYY, MM, DD digits into a real date from 1800 on.
func birthDate(yyyy, mm, dd string) (civil.Date, bool) {
	d := civil.Date{Year: atoi(yyyy), Month: time.Month(atoi(mm)), Day: atoi(dd)}
	if d.Year < 1800 || !d.Valid() {
		return civil.Date{}, false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads a short string already known to be ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
