package money_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"ncms/internal/money"
)

var sentinels = []error{money.ErrEmpty, money.ErrSyntax, money.ErrPrecision, money.ErrOverflow}

// checkParseErr asserts that err is a *ParseError for input, wrapping want
// and none of the other sentinels.
func checkParseErr(t *testing.T, input string, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%q: accepted, want error %v", input, want)
	}
	var pe *money.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error %T is not a *money.ParseError", input, err)
	}
	if pe.Input != input {
		t.Errorf("%q: ParseError.Input = %q", input, pe.Input)
	}
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Errorf("%q: errors.Is(err, %v) = %v; err = %v", input, s, got, err)
		}
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%q", input)) {
		t.Errorf("%q: message %q does not quote the input", input, err.Error())
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want money.Fen
	}{
		{"0", 0},
		{"12", 1200},
		{"12.3", 1230},
		{"12.30", 1230},
		{"-0.05", -5},
		{"+1", 100},
		{"92233720368547758.07", money.Max},
		{"-92233720368547758.07", -money.Max},
		{"0.01", 1},
		{"-12.3", -1230},
		{"-0", 0},
		{"0.00", 0},
		{"+0.99", 99},
		{"007.50", 750}, // leading zeros are plain decimal digits
		{"1000000", 100000000},
		{"30", money.Yuan(30)},
		{"200.00", money.Yuan(200)},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", money.ErrEmpty},
		{" 1", money.ErrSyntax},
		{"1 ", money.ErrSyntax},
		{"\t1", money.ErrSyntax},
		{"1\n", money.ErrSyntax},
		{"1e3", money.ErrSyntax},
		{"1E3", money.ErrSyntax},
		{"12.345", money.ErrPrecision},
		{"12.340", money.ErrPrecision},
		{"0.001", money.ErrPrecision},
		{"-0.000", money.ErrPrecision},
		{"1,000", money.ErrSyntax},
		{"1_000", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"5.", money.ErrSyntax},
		{".", money.ErrSyntax},
		{"-", money.ErrSyntax},
		{"+", money.ErrSyntax},
		{"--1", money.ErrSyntax},
		{"+-1", money.ErrSyntax},
		{"-+1", money.ErrSyntax},
		{"1-", money.ErrSyntax},
		{"1.2.3", money.ErrSyntax},
		{"1.2345x", money.ErrSyntax},
		{"0x10", money.ErrSyntax},
		{"１２", money.ErrSyntax}, // full-width digits
		{"１２.３", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
		{"Inf", money.ErrSyntax},
		{"-Inf", money.ErrSyntax},
		{"¥12", money.ErrSyntax},
		{"12元", money.ErrSyntax},
		{"\"12\"", money.ErrSyntax},
		{"12\x00", money.ErrSyntax},
		{"92233720368547758.08", money.ErrOverflow},
		{"-92233720368547758.08", money.ErrOverflow}, // MinInt64 fen: range is symmetric
		{"92233720368547759", money.ErrOverflow},
		{"184467440737095516.16", money.ErrOverflow}, // 2^64 fen: wraps uint64 to 0
		{"99999999999999999999999999", money.ErrOverflow},
		{"99999999999999999999.123", money.ErrPrecision},
	}
	for _, tt := range tests {
		_, err := money.Parse(tt.in)
		checkParseErr(t, tt.in, err, tt.want)
	}
}

func TestMustParse(t *testing.T) {
	if got := money.MustParse("1.5"); got != 150 {
		t.Errorf("MustParse(1.5) = %d", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse(1e3) did not panic")
		}
	}()
	money.MustParse("1e3")
}

func TestString(t *testing.T) {
	tests := []struct {
		in   money.Fen
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{-5, "-0.05"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{-100, "-1.00"},
		{1230, "12.30"},
		{-123456, "-1234.56"},
		{money.Max, "92233720368547758.07"},
		{-money.Max, "-92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

// bigFormat formats fen independently of money, through math/big.
func bigFormat(f int64) string {
	v := big.NewInt(f)
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
		v.Neg(v)
	}
	q, r := new(big.Int).QuoRem(v, big.NewInt(100), new(big.Int))
	return fmt.Sprintf("%s%s.%02d", sign, q.String(), r.Int64())
}

// randInt64 returns values spread over all magnitudes, not only huge ones.
func randInt64(r *rand.Rand) int64 {
	v := int64(r.Uint64() >> r.IntN(64))
	if r.IntN(2) == 0 {
		v = -v
	}
	return v
}

func TestStringRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	edge := []int64{0, 1, -1, 99, -99, 100, -100, 101, math.MaxInt64, math.MaxInt64 - 1, math.MinInt64 + 1, math.MinInt64 + 2}
	check := func(v int64) {
		f := money.Fen(v)
		s := f.String()
		if want := bigFormat(v); s != want {
			t.Fatalf("Fen(%d).String() = %q, big says %q", v, s, want)
		}
		g, err := money.Parse(s)
		if err != nil || g != f {
			t.Fatalf("Parse(Fen(%d).String() = %q) = %d, %v", v, s, g, err)
		}
	}
	for _, v := range edge {
		check(v)
	}
	for range 200000 {
		v := randInt64(r)
		if v == math.MinInt64 {
			continue // documented: the one value String can write but Parse refuses
		}
		check(v)
	}
	// MinInt64 is the single exception: its text is one fen beyond the
	// symmetric range that Parse accepts.
	_, err := money.Parse(money.Fen(math.MinInt64).String())
	checkParseErr(t, "-92233720368547758.08", err, money.ErrOverflow)
}

type payload struct {
	A money.Fen  `json:"a"`
	B *money.Fen `json:"b,omitempty"`
}

func TestJSONMarshal(t *testing.T) {
	b := money.Fen(-5)
	out, err := json.Marshal(payload{A: 1230, B: &b})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"a":"12.30","b":"-0.05"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	out, err = json.Marshal([]money.Fen{0, money.Max})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `["0.00","92233720368547758.07"]`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	txt, err := money.Fen(7).MarshalText()
	if err != nil || string(txt) != "0.07" {
		t.Errorf("MarshalText = %q, %v", txt, err)
	}
}

func TestJSONUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want money.Fen
	}{
		{`{"a":"12.30"}`, 1230},
		{`{"a":12.3}`, 1230},
		{`{"a":12}`, 1200},
		{`{"a":-0.05}`, -5},
		{`{"a":"-0.05"}`, -5},
		{`{"a":0}`, 0},
		// Beyond float64 precision: must be exact, so never through float.
		{`{"a":92233720368547758.07}`, money.Max},
		{`{"a":"92233720368547758.07"}`, money.Max},
		{`{"a":12345678901234567.89}`, 1234567890123456789},
		{`{"a":0.07}`, 7}, // 0.07 is not exact in binary
	}
	for _, tt := range tests {
		var p payload
		if err := json.Unmarshal([]byte(tt.in), &p); err != nil || p.A != tt.want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d", tt.in, p.A, err, tt.want)
		}
	}

	// A round trip through JSON text preserves every value.
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		v := money.Fen(randInt64(r))
		if v == math.MinInt64 {
			continue
		}
		out, _ := json.Marshal(payload{A: v})
		var p payload
		if err := json.Unmarshal(out, &p); err != nil || p.A != v {
			t.Fatalf("round trip of %d via %s: %d, %v", v, out, p.A, err)
		}
	}

	// null leaves the value as it was, like the standard library types.
	p := payload{A: 42}
	if err := json.Unmarshal([]byte(`{"a":null}`), &p); err != nil || p.A != 42 {
		t.Errorf("null: %d, %v", p.A, err)
	}
}

func TestJSONUnmarshalRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error // nil: some error, not necessarily a ParseError
	}{
		{`{"a":1e3}`, money.ErrSyntax},
		{`{"a":1E-2}`, money.ErrSyntax},
		{`{"a":"1e3"}`, money.ErrSyntax},
		{`{"a":12.345}`, money.ErrPrecision},
		{`{"a":1.005}`, money.ErrPrecision},
		{`{"a":"12.340"}`, money.ErrPrecision},
		{`{"a":""}`, money.ErrEmpty},
		{`{"a":" 1"}`, money.ErrSyntax},
		{`{"a":"1,000"}`, money.ErrSyntax},
		{`{"a":"\u0031"}`, money.ErrSyntax}, // escapes are refused, not decoded wrongly
		{`{"a":92233720368547758.08}`, money.ErrOverflow},
		{`{"a":true}`, money.ErrSyntax},
		{`{"a":[1]}`, money.ErrSyntax},
		{`{"a":{}}`, money.ErrSyntax},
	}
	for _, tt := range tests {
		var p payload
		err := json.Unmarshal([]byte(tt.in), &p)
		if err == nil {
			t.Errorf("Unmarshal(%s) accepted: %d", tt.in, p.A)
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, err, tt.want)
		}
	}
	var f money.Fen
	if err := f.UnmarshalText([]byte("12.345")); !errors.Is(err, money.ErrPrecision) {
		t.Errorf("UnmarshalText(12.345) = %v", err)
	}
	if err := f.UnmarshalText([]byte("12.34")); err != nil || f != 1234 {
		t.Errorf("UnmarshalText(12.34) = %d, %v", f, err)
	}
}

func TestParseRate(t *testing.T) {
	accept := []struct {
		in   string
		want money.Rate
	}{
		{"60", 6000},
		{"60%", 6000},
		{"7.5%", 750},
		{"0.05%", 5},
		{"100%", money.Whole},
		{"0", 0},
		{"0%", 0},
		{"0.6", 60}, // a percentage, not a fraction: 0.6%
		{"150%", 15000},
		{"-5%", -500},
		{"7.50%", 750},
	}
	for _, tt := range accept {
		got, err := money.ParseRate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	reject := []struct {
		in   string
		want error
	}{
		{"", money.ErrEmpty},
		{"%", money.ErrEmpty},
		{"60%%", money.ErrSyntax},
		{"%60", money.ErrSyntax},
		{"60 %", money.ErrSyntax},
		{" 60%", money.ErrSyntax},
		{"6e1%", money.ErrSyntax},
		{"60％", money.ErrSyntax}, // full-width percent sign
		{"0.005%", money.ErrPrecision},
		{"922337203685477580.8%", money.ErrOverflow},
	}
	for _, tt := range reject {
		_, err := money.ParseRate(tt.in)
		checkParseErr(t, tt.in, err, tt.want)
	}
}

func TestParseFraction(t *testing.T) {
	accept := []struct {
		in   string
		want money.Rate
	}{
		{"0.6", 6000},
		{"0.05", 500},
		{"1", money.Whole},
		{"1.0000", money.Whole},
		{"0.0005", 5},
		{"0", 0},
		{"0.075", 750},
	}
	for _, tt := range accept {
		got, err := money.ParseFraction(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFraction(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	reject := []struct {
		in   string
		want error
	}{
		{"", money.ErrEmpty},
		{"0.00005", money.ErrPrecision},
		{"60%", money.ErrSyntax},
		{".6", money.ErrSyntax},
		{"6e-1", money.ErrSyntax},
		{"922337203685477.5808", money.ErrOverflow},
	}
	for _, tt := range reject {
		_, err := money.ParseFraction(tt.in)
		checkParseErr(t, tt.in, err, tt.want)
	}
}

func TestRateFormat(t *testing.T) {
	tests := []struct {
		r        money.Rate
		str, fra string
	}{
		{6000, "60%", "0.6000"},
		{750, "7.5%", "0.0750"},
		{5, "0.05%", "0.0005"},
		{0, "0%", "0.0000"},
		{money.Whole, "100%", "1.0000"},
		{1000, "10%", "0.1000"},
		{1, "0.01%", "0.0001"},
		{10, "0.1%", "0.0010"},
		{12345, "123.45%", "1.2345"},
		{-250, "-2.5%", "-0.0250"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.str {
			t.Errorf("Rate(%d).String() = %q, want %q", int64(tt.r), got, tt.str)
		}
		if got := tt.r.Fraction(); got != tt.fra {
			t.Errorf("Rate(%d).Fraction() = %q, want %q", int64(tt.r), got, tt.fra)
		}
	}
	if money.Percent(60) != 6000 || money.Percent(100) != money.Whole {
		t.Errorf("Percent: %d %d", money.Percent(60), money.Percent(100))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		v := money.Rate(randInt64(r))
		if v == math.MinInt64 {
			continue
		}
		if got, err := money.ParseRate(v.String()); err != nil || got != v {
			t.Fatalf("ParseRate(%q) = %d, %v; want %d", v.String(), got, err, int64(v))
		}
		if got, err := money.ParseFraction(v.Fraction()); err != nil || got != v {
			t.Fatalf("ParseFraction(%q) = %d, %v; want %d", v.Fraction(), got, err, int64(v))
		}
	}
}

func TestMulRateAndShare(t *testing.T) {
	tests := []struct {
		f        money.Fen
		num, den int64
		want     money.Fen
	}{
		{1, 5000, 10000, 1},   // 0.5 fen rounds away from zero
		{-1, 5000, 10000, -1}, // and so does -0.5 fen
		{1, 4999, 10000, 0},
		{-1, 4999, 10000, 0},
		{1, -5000, 10000, -1},
		{-1, -5000, 10000, 1},
		{3, 1, 3, 1},
		{1, 1, 3, 0},
		{2, 1, 3, 1},
		{-2, 1, 3, -1},
		{4, 1, 3, 1},
		{5, 1, 3, 2},
		{5, 1, 2, 3},
		{-5, 1, 2, -3},
		{5, -1, 2, -3},
		{-5, -1, 2, 3},
		{7, 1, 2, 4},
		{0, 123, 7, 0},
		{0, -1, 2, 0},
		{12345, 6000, 10000, 7407},   // 7407.0
		{12345, 7500, 10000, 9259},   // 9258.75
		{12345, 5, 10000, 6},         // 6.1725
		{100001, 3333, 10000, 33330}, // 33330.3333
		{99, 5050, 10000, 50},        // 49.995 -> 50
		{-99, 5050, 10000, -50},
		{money.Max, 10000, 10000, money.Max},
		{money.Max, 1, 2, 4611686018427387904}, // ...903.5 -> ...904
		{-money.Max, 1, 2, -4611686018427387904},
		{money.Max, math.MaxInt64, math.MaxInt64, money.Max},
		{math.MinInt64, 1, 2, math.MinInt64 / 2},
		{1 << 62, 3, 2, 3 << 61},
	}
	for _, tt := range tests {
		if got := money.Share(tt.f, tt.num, tt.den); got != tt.want {
			t.Errorf("Share(%d, %d, %d) = %d, want %d", tt.f, tt.num, tt.den, got, tt.want)
		}
		if tt.den == 10000 {
			if got := tt.f.MulRate(money.Rate(tt.num)); got != tt.want {
				t.Errorf("Fen(%d).MulRate(%d) = %d, want %d", tt.f, tt.num, got, tt.want)
			}
		}
	}
}

func mustPanic(t *testing.T, name string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	fn()
}

func TestSharePanics(t *testing.T) {
	mustPanic(t, "den 0", func() { money.Share(1, 1, 0) })
	mustPanic(t, "den -1", func() { money.Share(1, 1, -1) })
	mustPanic(t, "Max*2", func() { money.Share(money.Max, 2, 1) })
	mustPanic(t, "Max*Max", func() { money.Share(money.Max, math.MaxInt64, 1) })
	mustPanic(t, "Max*(10001/10000)", func() { money.Max.MulRate(10001) })
	mustPanic(t, "MinInt64*1", func() { money.Share(math.MinInt64, 1, 1) })
	// 31 × 1190112520884487201 = 2^65 − 1; halved, that is 2^64 − 0.5, which
	// rounds to 2^64: the quotient must not wrap around to 0.
	mustPanic(t, "rounding past 2^64", func() { money.Share(31, 1190112520884487201, 2) })
}

// bigShare is the exact reference for Share: round(f*num/den), halves away
// from zero, and whether the result fits the symmetric Fen range.
func bigShare(f, num, den int64) (int64, bool) {
	p := new(big.Int).Mul(big.NewInt(f), big.NewInt(num))
	neg := p.Sign() < 0
	p.Abs(p)
	d := big.NewInt(den)
	// floor((2p + d) / 2d) is p/d rounded half up, for p >= 0.
	q := new(big.Int).Lsh(p, 1)
	q.Add(q, d)
	q.Quo(q, new(big.Int).Lsh(d, 1))
	if q.Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return 0, false
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64(), true
}

func callShare(f money.Fen, num, den int64) (got money.Fen, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	return money.Share(f, num, den), false
}

func TestShareProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	small := func() int64 { return r.Int64N(2001) - 1000 }
	for i := range 300000 {
		var f, num, den int64
		switch i % 4 {
		case 0: // everyday sizes: amounts up to 10^9 fen, rates in basis points
			f, num, den = r.Int64N(2e9+1)-1e9, r.Int64N(20001)-10000, 10000
		case 1: // tiny values, where every half is met
			f, num, den = small(), small(), r.Int64N(1000)+1
		case 2: // any magnitude
			f, num, den = randInt64(r), randInt64(r), randInt64(r)
		case 3: // near the edge of overflow
			f, num = randInt64(r), randInt64(r)
			den = int64(r.Uint64()>>1) | 1
		}
		if den <= 0 {
			den = -den
			if den <= 0 {
				den = 1
			}
		}
		want, fits := bigShare(f, num, den)
		got, panicked := callShare(money.Fen(f), num, den)
		switch {
		case !fits && !panicked:
			t.Fatalf("Share(%d, %d, %d) = %d, want overflow panic", f, num, den, got)
		case fits && panicked:
			t.Fatalf("Share(%d, %d, %d) panicked, want %d", f, num, den, want)
		case fits && int64(got) != want:
			t.Fatalf("Share(%d, %d, %d) = %d, want %d", f, num, den, got, want)
		}
		if i%4 == 0 && fits {
			if m := money.Fen(f).MulRate(money.Rate(num)); m != got {
				t.Fatalf("MulRate(%d, %d) = %d, Share = %d", f, num, m, got)
			}
		}
	}
}

func TestMul(t *testing.T) {
	tests := []struct {
		f    money.Fen
		n    int64
		want money.Fen
		ok   bool
	}{
		{100, 3, 300, true},
		{-100, 3, -300, true},
		{100, -3, -300, true},
		{-100, -3, 300, true},
		{0, math.MinInt64, 0, true},
		{money.Max, 1, money.Max, true},
		{money.Max, -1, -money.Max, true},
		{money.Max, 2, 0, false},
		{money.Max, 0, 0, true},
		{1 << 32, 1 << 31, 0, false}, // exactly 2^63
		{1 << 32, (1 << 31) - 1, (1 << 63) - (1 << 32), true},
		{-1, math.MinInt64, 0, false},
		{math.MinInt64, 1, 0, false}, // symmetric range: MinInt64 is refused
		{-(1 << 62), 2, 0, false},    // likewise
		{1 << 40, 1 << 40, 0, false}, // high word non-zero
		{3, math.MaxInt64 / 3, 3 * (math.MaxInt64 / 3), true},
	}
	for _, tt := range tests {
		got, ok := tt.f.Mul(tt.n)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Fen(%d).Mul(%d) = %d, %v; want %d, %v", tt.f, tt.n, got, ok, tt.want, tt.ok)
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	limit := big.NewInt(math.MaxInt64)
	for range 200000 {
		f, n := randInt64(r), randInt64(r)
		p := new(big.Int).Mul(big.NewInt(f), big.NewInt(n))
		fits := new(big.Int).Abs(p).Cmp(limit) <= 0
		got, ok := money.Fen(f).Mul(n)
		if ok != fits || (ok && int64(got) != p.Int64()) {
			t.Fatalf("Fen(%d).Mul(%d) = %d, %v; big says %s", f, n, got, ok, p)
		}
	}
}

func TestHelpers(t *testing.T) {
	if money.Yuan(30) != 3000 || money.Yuan(-2) != -200 {
		t.Error("Yuan")
	}
	if money.Fen(5).Neg() != -5 || money.Fen(-5).Abs() != 5 || money.Fen(5).Abs() != 5 {
		t.Error("Neg/Abs")
	}
	if money.Min(3, -4) != -4 || money.Max2(3, -4) != 3 {
		t.Error("Min/Max2")
	}
	for _, tt := range []struct{ f, lo, hi, want money.Fen }{
		{5, 0, 10, 5}, {-1, 0, 10, 0}, {11, 0, 10, 10}, {0, 0, 0, 0},
	} {
		if got := money.Clamp(tt.f, tt.lo, tt.hi); got != tt.want {
			t.Errorf("Clamp(%d, %d, %d) = %d", tt.f, tt.lo, tt.hi, got)
		}
	}
	if money.Sum() != 0 || money.Sum(1, 2, -3, 100) != 100 {
		t.Error("Sum")
	}
}

var (
	grammar   = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]{1,2})?$`)
	tooPrecis = regexp.MustCompile(`^[+-]?[0-9]+\.[0-9]{3,}$`)
)

// oracle decides, independently of money, what Parse must return for s.
func oracle(s string) (money.Fen, error) {
	switch {
	case s == "":
		return 0, money.ErrEmpty
	case tooPrecis.MatchString(s):
		return 0, money.ErrPrecision
	case !grammar.MatchString(s):
		return 0, money.ErrSyntax
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("oracle: big.Rat refused " + s)
	}
	r.Mul(r, big.NewRat(100, 1))
	v := r.Num() // an integer: at most two decimals
	if new(big.Int).Abs(v).Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return 0, money.ErrOverflow
	}
	return money.Fen(v.Int64()), nil
}

func TestParseOracle(t *testing.T) {
	// The oracle agrees with Parse on random short strings over the
	// characters that matter.
	r := rand.New(rand.NewPCG(11, 12))
	const alphabet = "0123456789.-+e, 9"
	for range 200000 {
		n := r.IntN(8)
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		want, wantErr := oracle(s)
		got, err := money.Parse(s)
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("Parse(%q) = %d, %v; want %v", s, got, err, wantErr)
			}
		} else if err != nil || got != want {
			t.Fatalf("Parse(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0", "12", "12.3", "12.30", "-0.05", "+1", "92233720368547758.07",
		"", " 1", "1 ", "1e3", "12.345", "12.340", "1,000", ".5", "5.", "--1",
		"0x10", "１２", "NaN", "92233720368547758.08", "-92233720368547758.08",
		"184467440737095516.16", "60%", "0.0005",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := money.Parse(s)
		want, wantErr := oracle(s)
		if err != nil {
			var pe *money.ParseError
			if !errors.As(err, &pe) || pe.Input != s {
				t.Fatalf("Parse(%q): error %v is not a ParseError for the input", s, err)
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("Parse(%q) = %v, oracle says %v", s, err, wantErr)
			}
		} else {
			if wantErr != nil || got != want {
				t.Fatalf("Parse(%q) = %d, oracle says %d, %v", s, got, want, wantErr)
			}
			back, err := money.Parse(got.String())
			if err != nil || back != got {
				t.Fatalf("Parse(%q) = %d; round trip via %q gives %d, %v", s, got, got.String(), back, err)
			}
			var j money.Fen
			if err := json.Unmarshal([]byte(s), &j); err == nil && j != got {
				t.Fatalf("JSON %s = %d, Parse = %d", s, j, got)
			}
		}
		// The other parsers never panic either, and round-trip what they accept.
		if r, err := money.ParseRate(s); err == nil {
			if back, err := money.ParseRate(r.String()); err != nil || back != r {
				t.Fatalf("ParseRate(%q) = %d; round trip via %q gives %d, %v", s, r, r.String(), back, err)
			}
		}
		if r, err := money.ParseFraction(s); err == nil {
			if back, err := money.ParseFraction(r.Fraction()); err != nil || back != r {
				t.Fatalf("ParseFraction(%q) = %d; round trip via %q gives %d, %v", s, r, r.Fraction(), back, err)
			}
		}
	})
}
