package idcard

import (
	"fmt"

	"ncms/internal/civil"
)

// Generate builds a valid 18-character number from a 6-digit area code, a
// birth date and a sequence code 0–999, for tests and for the synthetic demo
// county. The sequence code is adjusted to the sex by flipping its lowest
// bit when the parity is wrong (so it stays within 0–999): Generate(…, 4,
// true) uses 005, Generate(…, 999, false) uses 998.
//
// It panics on arguments that cannot give a valid number: an area that is not
// 6 digits with a GB/T 2260 province code, a birth date that is not a real
// day in the years 1800–9999, or a sequence code outside 0–999.
func Generate(area string, birth civil.Date, seq int, male bool) string {
	if len(area) != 6 || !allDigits(area) || !validProvince(area[:2]) {
		panic(fmt.Sprintf("idcard.Generate: area %q is not a 6-digit code with a valid province", area))
	}
	if !birth.Valid() || birth.Year < 1800 || birth.Year > 9999 {
		panic(fmt.Sprintf("idcard.Generate: impossible birth date %v", birth))
	}
	if seq < 0 || seq > 999 {
		panic(fmt.Sprintf("idcard.Generate: sequence code %d is outside 0–999", seq))
	}
	if (seq%2 == 1) != male {
		seq ^= 1
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", area, birth.Year, int(birth.Month), birth.Day, seq)
	return first17 + string(CheckChar(first17))
}
