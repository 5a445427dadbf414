package idcard_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ncms/internal/civil"
	"ncms/internal/idcard"
)

// A second, straightforward implementation of the check character, written
// from the standard's table of weights, to test CheckChar against.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkMap = "10X98765432"

func refCheck(first17 string) byte {
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return checkMap[sum%11]
}

// refBuild assembles area + date + sequence and appends refCheck.
func refBuild(area, yyyymmdd string, seq int) string {
	first17 := fmt.Sprintf("%s%s%03d", area, yyyymmdd, seq)
	return first17 + string(refCheck(first17))
}

var provinces = []string{
	"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
	"71", "81", "82",
}

// randomValid returns a random valid number, built with the reference code.
func randomValid(r *rand.Rand) string {
	area := provinces[r.IntN(len(provinces))] + fmt.Sprintf("%04d", r.IntN(10000))
	birth := civil.New(1800+r.IntN(230), time.January, 1).AddDays(r.IntN(366))
	return refBuild(area, fmt.Sprintf("%04d%02d%02d", birth.Year, birth.Month, birth.Day), r.IntN(1000))
}

func TestCheckCharMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	seen := map[byte]bool{}
	for range 100000 {
		var b [17]byte
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		s := string(b[:])
		got, want := idcard.CheckChar(s), refCheck(s)
		if got != want {
			t.Fatalf("CheckChar(%s) = %q, reference %q", s, got, want)
		}
		seen[got] = true
	}
	if len(seen) != 11 {
		t.Errorf("only %d of the 11 check characters were produced", len(seen))
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310020", "1101051949123100X", "1101051949123100a", "１１０１０５１９４９１２３１００", " 1101051949123100"} {
		if got := idcard.CheckChar(bad); got != 0 {
			t.Errorf("CheckChar(%q) = %q, want 0", bad, got)
		}
	}
}

func date(s string) civil.Date { return civil.MustParse(s) }

func TestParseValid(t *testing.T) {
	tests := []struct {
		in    string
		area  string
		birth string
		seq   int
		sex   idcard.Sex
	}{
		// The two examples printed in GB 11643-1999.
		{"11010519491231002X", "110105", "1949-12-31", 2, idcard.Female},
		{"440524188001010014", "440524", "1880-01-01", 1, idcard.Male},
		{refBuild("520201", "19900101", 123), "520201", "1990-01-01", 123, idcard.Male},
		{refBuild("520201", "20000229", 0), "520201", "2000-02-29", 0, idcard.Female}, // leap: divisible by 400
		{refBuild("520201", "20240229", 999), "520201", "2024-02-29", 999, idcard.Male},
		{refBuild("520201", "19960229", 2), "520201", "1996-02-29", 2, idcard.Female},
		{refBuild("110000", "18000101", 10), "110000", "1800-01-01", 10, idcard.Female},
		{refBuild("820000", "20261231", 11), "820000", "2026-12-31", 11, idcard.Male},
	}
	for _, p := range provinces {
		area := p + "0102"
		tests = append(tests, struct {
			in    string
			area  string
			birth string
			seq   int
			sex   idcard.Sex
		}{refBuild(area, "19700615", 7), area, "1970-06-15", 7, idcard.Male})
	}
	for _, tt := range tests {
		id, err := idcard.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.in, err)
			continue
		}
		want := idcard.ID{Number: tt.in, AreaCode: tt.area, BirthDate: date(tt.birth), Seq: tt.seq, Sex: tt.sex}
		if id != want {
			t.Errorf("Parse(%s) = %#v, want %#v", tt.in, id, want)
		}
		if err := idcard.Validate(tt.in); err != nil {
			t.Errorf("Validate(%s): %v", tt.in, err)
		}
		if id.Province() != tt.area[:2] {
			t.Errorf("Province(%s) = %s", tt.in, id.Province())
		}
	}
}

func TestParseErrors(t *testing.T) {
	const good = "11010519491231002X"
	tests := []struct {
		name   string
		in     string
		want   error
		detail string
	}{
		{"empty", "", idcard.ErrLength, "实际0位 / got 0"},
		{"16 digits", good[:16], idcard.ErrLength, "got 16"},
		{"17 digits", good[:17], idcard.ErrLength, "got 17"},
		{"19 characters", good + "1", idcard.ErrLength, "got 19"},
		{"leading space", " " + good, idcard.ErrLength, "got 19"},
		{"trailing space", good + " ", idcard.ErrLength, "got 19"},
		{"trailing newline", good + "\n", idcard.ErrLength, "got 19"},
		{"15 digits", "110105491231002", idcard.ErrOldFormat, ""},
		{"15 characters not all digits", "11010549123100X", idcard.ErrLength, "got 15"},
		{"lower-case x", "11010519491231002x", idcard.ErrLowerX, ""},
		{"letter last", "11010519491231002Y", idcard.ErrDigit, "第18位 / character 18"},
		{"X first", "X10105194912310020", idcard.ErrDigit, "character 1"},
		{"X inside", "110105194912310X20", idcard.ErrDigit, "character 16"},
		{"space inside", "110105 94912310020", idcard.ErrDigit, "character 7"},
		{"hyphen", "110105-1949123100X", idcard.ErrDigit, "character 7"},
		{"full-width", "１１０１０５１９４９１２３１００２Ｘ", idcard.ErrDigit, "character 1"},
		{"full-width X", "11010519491231002Ｘ", idcard.ErrDigit, "character 18"},
		{"invalid UTF-8", "11010519491231002\xff", idcard.ErrDigit, "character 18"},
		{"check char", "110105194912310021", idcard.ErrCheckChar, ""},
		{"check char digit for X", "110105194912310020", idcard.ErrCheckChar, ""},
		{"non-leap Feb 29", refBuild("520201", "19990229", 1), idcard.ErrBirthDate, ""},
		{"1900 not leap", refBuild("520201", "19000229", 1), idcard.ErrBirthDate, ""},
		{"2023 Feb 29", refBuild("520201", "20230229", 1), idcard.ErrBirthDate, ""},
		{"month 13", refBuild("520201", "19491301", 1), idcard.ErrBirthDate, ""},
		{"month 00", refBuild("520201", "19490001", 1), idcard.ErrBirthDate, ""},
		{"day 00", refBuild("520201", "19491200", 1), idcard.ErrBirthDate, ""},
		{"April 31", refBuild("520201", "19490431", 1), idcard.ErrBirthDate, ""},
		{"day 32", refBuild("520201", "19490132", 1), idcard.ErrBirthDate, ""},
		{"before 1800", refBuild("520201", "17991231", 1), idcard.ErrBirthDate, ""},
		{"year 0", refBuild("520201", "00000101", 1), idcard.ErrBirthDate, ""},
	}
	for _, p := range []string{"00", "10", "16", "19", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72", "80", "83", "90", "91", "99"} {
		tests = append(tests, struct {
			name   string
			in     string
			want   error
			detail string
		}{"province " + p, refBuild(p+"0102", "19700101", 1), idcard.ErrArea, "first two digits " + p})
	}
	all := []error{idcard.ErrLength, idcard.ErrOldFormat, idcard.ErrDigit, idcard.ErrLowerX,
		idcard.ErrArea, idcard.ErrBirthDate, idcard.ErrCheckChar, idcard.ErrFutureBirth}
	for _, tt := range tests {
		id, err := idcard.Parse(tt.in)
		if err == nil {
			t.Errorf("%s: Parse(%q) accepted: %+v", tt.name, tt.in, id)
			continue
		}
		if id != (idcard.ID{}) {
			t.Errorf("%s: Parse returned a non-zero ID with an error", tt.name)
		}
		for _, e := range all {
			if got := errors.Is(err, e); got != (e == tt.want) {
				t.Errorf("%s: errors.Is(%v, %v) = %v", tt.name, err, e, got)
			}
		}
		var ie *idcard.Error
		if !errors.As(err, &ie) {
			t.Errorf("%s: %T is not *idcard.Error", tt.name, err)
			continue
		}
		if !strings.Contains(ie.Detail, tt.detail) {
			t.Errorf("%s: detail %q does not contain %q", tt.name, ie.Detail, tt.detail)
		}
		if len(tt.in) >= 9 && strings.Contains(err.Error(), tt.in) {
			t.Errorf("%s: message %q contains the number", tt.name, err.Error())
		}
		if err := idcard.Validate(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: Validate = %v, Parse = %v", tt.name, err, tt.want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		code string
		msg  string
	}{
		{idcard.ErrCheckChar, "idcard.check_char", "校验位错误 / wrong check character"},
		{idcard.ErrOldFormat, "idcard.old_format", "15位旧身份证号，请换发18位 / 15-digit old-format number, use the 18-digit one"},
		{idcard.ErrLength, "idcard.length", "身份证号应为18位 / ID number must have 18 characters"},
		{idcard.ErrDigit, "idcard.digit", "含有非数字字符 / contains a character that is not a digit"},
		{idcard.ErrLowerX, "idcard.lower_x", "校验位应为大写X / check character must be an upper-case X"},
		{idcard.ErrArea, "idcard.area", "地址码（省份）无效 / invalid area (province) code"},
		{idcard.ErrBirthDate, "idcard.birth_date", "出生日期无效 / impossible birth date"},
		{idcard.ErrFutureBirth, "idcard.future_birth", "出生日期晚于当前日期 / birth date is in the future"},
	}
	for _, tt := range tests {
		var ie *idcard.Error
		if !errors.As(tt.err, &ie) || ie.Code != tt.code || tt.err.Error() != tt.msg {
			t.Errorf("%v: code %q, message %q", tt.err, ie.Code, tt.err.Error())
		}
	}
	_, err := idcard.Parse("1234")
	if got, want := err.Error(), "身份证号应为18位 / ID number must have 18 characters (实际4位 / got 4)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// Wrapped by a caller, the error is still recognised.
	wrapped := fmt.Errorf("row 7, column 身份证号: %w", err)
	if !errors.Is(wrapped, idcard.ErrLength) || errors.Is(wrapped, idcard.ErrDigit) {
		t.Errorf("wrapped error not recognised: %v", wrapped)
	}
	if errors.Is(idcard.ErrLength, errors.New(idcard.ErrLength.Error())) {
		t.Error("Is matched a plain error with the same text")
	}
}

func TestEverySingleSubstitutionDetected(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	numbers := []string{"11010519491231002X", "440524188001010014"}
	for range 300 {
		numbers = append(numbers, randomValid(r))
	}
	for _, s := range numbers {
		if err := idcard.Validate(s); err != nil {
			t.Fatalf("Validate(%s): %v", s, err)
		}
		for pos := 0; pos < len(s); pos++ {
			for _, c := range []byte("0123456789X") {
				if c == s[pos] {
					continue
				}
				m := []byte(s)
				m[pos] = c
				err := idcard.Validate(string(m))
				if err == nil {
					t.Fatalf("%s -> %s (position %d) not detected", s, m, pos+1)
				}
				// A digit changed among the first 17 that leaves the area and
				// the date plausible is caught by the check character.
				if pos < 17 && c != 'X' && pos >= 2 && (pos < 6 || pos >= 14) && !errors.Is(err, idcard.ErrCheckChar) {
					t.Fatalf("%s -> %s: %v, want ErrCheckChar", s, m, err)
				}
			}
		}
	}
}

func TestEveryAdjacentTranspositionDetected(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	numbers := []string{"11010519491231002X", "440524188001010014"}
	for range 2000 {
		numbers = append(numbers, randomValid(r))
	}
	for _, s := range numbers {
		for i := 0; i+1 < len(s); i++ {
			if s[i] == s[i+1] {
				continue
			}
			m := []byte(s)
			m[i], m[i+1] = m[i+1], m[i]
			if err := idcard.Validate(string(m)); err == nil {
				t.Fatalf("%s -> %s (swap %d,%d) not detected", s, m, i+1, i+2)
			}
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"520201199001011234", "5202**********1234"},
		{"11010519491231002X", "1101**********002X"},
		{"11010519491231002x", "1101**********002x"},
		{"", ""},
		{"1", "*"},
		{"123", "***"},
		{"1234", "1**4"},
		{"12345678", "12****78"},
		{"110105491231002", "110*********002"},
		{"1101051949123100", "1101********3100"},
		{"1101051949123100201", "1101***********0201"},
		{"张三", "**"},
		{"１１０１０５１９４９１２３１００２Ｘ", "１１０１**********００２Ｘ"},
		{strings.Repeat("9", 40), "9999" + strings.Repeat("*", 32) + "9999"},
	}
	for _, tt := range tests {
		if got := idcard.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Property: same length in characters; at most 8 and at most half of
	// the characters shown; a birth date is never shown.
	r := rand.New(rand.NewPCG(4, 4))
	for n := range 60 {
		for range 20 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + r.IntN(10))
			}
			s := string(b)
			m := idcard.Mask(s)
			if len(m) != n {
				t.Fatalf("Mask(%s) = %s: length changed", s, m)
			}
			shown := n - strings.Count(m, "*")
			if shown > 8 || 2*shown > n {
				t.Fatalf("Mask(%s) = %s shows %d characters", s, m, shown)
			}
		}
	}
	for range 1000 {
		s := randomValid(r)
		if m := idcard.Mask(s); strings.Contains(m, s[6:14]) || m[4:14] != "**********" {
			t.Fatalf("Mask(%s) = %s shows the birth date", s, m)
		}
	}
}

func TestSexFromSequenceParity(t *testing.T) {
	for seq := range 1000 {
		s := refBuild("520201", "19800101", seq)
		id, err := idcard.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%s): %v", s, err)
		}
		want := idcard.Female
		if seq%2 == 1 {
			want = idcard.Male
		}
		if id.Sex != want || id.Seq != seq {
			t.Fatalf("Parse(%s): sex %v seq %d, want %v %d", s, id.Sex, id.Seq, want, seq)
		}
	}
	for _, tt := range []struct {
		s       idcard.Sex
		en, zh  string
		numeric uint8
	}{
		{idcard.Male, "male", "男", 1},
		{idcard.Female, "female", "女", 2},
		{0, "unknown", "未知", 0},
	} {
		if tt.s.String() != tt.en || tt.s.Chinese() != tt.zh || uint8(tt.s) != tt.numeric {
			t.Errorf("Sex %d: %q %q", tt.s, tt.s.String(), tt.s.Chinese())
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002x", "11010519491231002X"},
		{"11010519491231002X", "11010519491231002X"},
		{" 11010519491231002x ", " 11010519491231002X "}, // no trimming
		{"１１０１０５１９４９１２３１００２ｘ", "１１０１０５１９４９１２３１００２ｘ"}, // no full-width conversion
		{"", ""},
	}
	for _, tt := range tests {
		if got := idcard.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if err := idcard.Validate(idcard.Normalize("11010519491231002x")); err != nil {
		t.Errorf("normalised lower-case x refused: %v", err)
	}
	if err := idcard.Validate(idcard.Normalize(" 11010519491231002x")); !errors.Is(err, idcard.ErrLength) {
		t.Errorf("Normalize trimmed a space: %v", err)
	}
}

func TestCheckBirth(t *testing.T) {
	id, err := idcard.Parse(refBuild("520201", "20260315", 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		today string
		want  error
	}{
		{"2026-03-14", idcard.ErrFutureBirth},
		{"2025-12-31", idcard.ErrFutureBirth},
		{"2026-03-15", nil},
		{"2026-03-16", nil},
		{"2030-01-01", nil},
	} {
		if err := idcard.CheckBirth(id, date(tt.today)); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("CheckBirth(2026-03-15, %s) = %v, want %v", tt.today, err, tt.want)
		}
	}
	if got := id.AgeOn(date("2036-03-14")); got != 9 {
		t.Errorf("AgeOn = %d, want 9", got)
	}
	if got := id.AgeOn(date("2036-03-15")); got != 10 {
		t.Errorf("AgeOn = %d, want 10", got)
	}
}

func TestIDPrintsMasked(t *testing.T) {
	const n = "11010519491231002X"
	id, err := idcard.Parse(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(id), fmt.Sprintf("%v %+v %s", id, id, id), id.String()} {
		if strings.Contains(s, n) || !strings.Contains(s, "1101**********002X") {
			t.Errorf("printed ID %q is not masked", s)
		}
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("enrolled", "id", id)
	}
	if out := buf.String(); strings.Contains(out, n) || strings.Count(out, "1101**********002X") != 2 {
		t.Errorf("slog output not masked: %s", out)
	}
}

func TestUpgrade15(t *testing.T) {
	tests := []struct{ in, want string }{
		{"110105491231002", "11010519491231002X"},
		{"440524800101001", refBuild("440524", "19800101", 1)},
		{"520201960229003", refBuild("520201", "19960229", 3)}, // 1996 is a leap year
		{"520201000101996", refBuild("520201", "18000101", 996)},
		{"520201991231999", refBuild("520201", "18991231", 999)},
		{"520201991231995", refBuild("520201", "19991231", 995)},
	}
	for _, tt := range tests {
		got, err := idcard.Upgrade15(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Upgrade15(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
			continue
		}
		if err := idcard.Validate(got); err != nil {
			t.Errorf("Upgrade15(%s) = %s does not validate: %v", tt.in, got, err)
		}
	}
	// Property: dropping the century and the check character of a number of
	// someone born in 19xx with an ordinary sequence code, then upgrading,
	// gives the number back.
	r := rand.New(rand.NewPCG(5, 5))
	for range 20000 {
		area := provinces[r.IntN(len(provinces))] + fmt.Sprintf("%04d", r.IntN(10000))
		birth := civil.New(1900, time.January, 1).AddDays(r.IntN(36524))
		full := refBuild(area, fmt.Sprintf("%04d%02d%02d", birth.Year, birth.Month, birth.Day), r.IntN(996))
		old := full[:6] + full[8:17]
		got, err := idcard.Upgrade15(old)
		if err != nil || got != full {
			t.Fatalf("Upgrade15(%s) = %s, %v; want %s", old, got, err, full)
		}
		if err := idcard.Validate(old); !errors.Is(err, idcard.ErrOldFormat) {
			t.Fatalf("Validate(%s) = %v, want ErrOldFormat", old, err)
		}
	}
	errs := []struct {
		in   string
		want error
	}{
		{"", idcard.ErrLength},
		{"11010549123100", idcard.ErrLength},
		{"1101054912310021", idcard.ErrLength},
		{"11010519491231002X", idcard.ErrLength},
		{"11010549123100X", idcard.ErrDigit},
		{"１１０１０５４９１２３１００２", idcard.ErrDigit},
		{"110105 91231002", idcard.ErrDigit},
		{"990105491231002", idcard.ErrArea},
		{"110105490229002", idcard.ErrBirthDate}, // 1949 is not a leap year
		{"110105000229002", idcard.ErrBirthDate}, // nor is 1900
		{"110105491301002", idcard.ErrBirthDate},
		{"110105000229996", idcard.ErrBirthDate}, // nor 1800 for a centenarian
	}
	for _, tt := range errs {
		got, err := idcard.Upgrade15(tt.in)
		if !errors.Is(err, tt.want) || got != "" {
			t.Errorf("Upgrade15(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		area    string
		birth   string
		seq     int
		male    bool
		wantSeq string
	}{
		{"520201", "1990-01-01", 4, true, "005"},
		{"520201", "1990-01-01", 4, false, "004"},
		{"520201", "1990-01-01", 5, true, "005"},
		{"520201", "1990-01-01", 5, false, "004"},
		{"520201", "1990-01-01", 0, true, "001"},
		{"520201", "1990-01-01", 0, false, "000"},
		{"520201", "1990-01-01", 999, true, "999"},
		{"520201", "1990-01-01", 999, false, "998"},
		{"110105", "1949-12-31", 2, false, "002"},
	}
	for _, tt := range tests {
		got := idcard.Generate(tt.area, date(tt.birth), tt.seq, tt.male)
		if got[14:17] != tt.wantSeq {
			t.Errorf("Generate(%s, %s, %d, %v) = %s, want sequence %s", tt.area, tt.birth, tt.seq, tt.male, got, tt.wantSeq)
		}
	}
	if got := idcard.Generate("110105", date("1949-12-31"), 2, false); got != "11010519491231002X" {
		t.Errorf("Generate = %s, want the GB 11643 example", got)
	}
	r := rand.New(rand.NewPCG(6, 6))
	for range 20000 {
		area := provinces[r.IntN(len(provinces))] + fmt.Sprintf("%04d", r.IntN(10000))
		birth := civil.New(1800+r.IntN(230), time.January, 1).AddDays(r.IntN(366))
		male := r.IntN(2) == 0
		s := idcard.Generate(area, birth, r.IntN(1000), male)
		id, err := idcard.Parse(s)
		if err != nil {
			t.Fatalf("Generate(%s, %v) = %s: %v", area, birth, s, err)
		}
		if s[17] != refCheck(s[:17]) || id.AreaCode != area || id.BirthDate != birth || (id.Sex == idcard.Male) != male {
			t.Fatalf("Generate(%s, %v, male=%v) = %s parses as %+v", area, birth, male, s, id)
		}
	}
	panics := []struct {
		name  string
		area  string
		birth civil.Date
		seq   int
	}{
		{"short area", "5202", date("1990-01-01"), 1},
		{"non-digit area", "52020a", date("1990-01-01"), 1},
		{"bad province", "990101", date("1990-01-01"), 1},
		{"zero date", "520201", civil.Date{}, 1},
		{"impossible date", "520201", civil.Date{Year: 2023, Month: 2, Day: 29}, 1},
		{"before 1800", "520201", date("1799-12-31"), 1},
		{"negative seq", "520201", date("1990-01-01"), -1},
		{"seq 1000", "520201", date("1990-01-01"), 1000},
	}
	for _, tt := range panics {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate %s did not panic", tt.name)
				}
			}()
			idcard.Generate(tt.area, tt.birth, tt.seq, true)
		}()
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "440524188001010014", "11010519491231002x", "110105491231002",
		"", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002\xff", "99010519491231002X",
		"110105199902290021", "520201000101996",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := idcard.Parse(s)
		m := idcard.Mask(s)
		if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("Mask(%q) = %q changed the length", s, m)
		}
		_ = idcard.Normalize(s)
		_ = idcard.CheckChar(s)
		if err != nil {
			var ie *idcard.Error
			if !errors.As(err, &ie) {
				t.Fatalf("Parse(%q): %T is not *idcard.Error", s, err)
			}
			if len(s) >= 9 && strings.Contains(err.Error(), s) {
				t.Fatalf("Parse(%q): message %q contains the input", s, err.Error())
			}
		} else {
			if len(s) != 18 || s[17] != refCheck(s[:17]) || id.Number != s {
				t.Fatalf("Parse(%q) accepted: %+v", s, id)
			}
			if g := idcard.Generate(id.AreaCode, id.BirthDate, id.Seq, id.Sex == idcard.Male); g != s {
				t.Fatalf("Generate from Parse(%q) = %q", s, g)
			}
		}
		if up, err := idcard.Upgrade15(s); err == nil {
			if verr := idcard.Validate(up); verr != nil || up[:6] != s[:6] || up[8:17] != s[6:] {
				t.Fatalf("Upgrade15(%q) = %q: %v", s, up, verr)
			}
		}
	})
}
