package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"ncms/internal/money"
)

// The constant-denominator roundings must agree with money.Share on every
// input: signs, halves, products near the 64-bit limit and products that
// need 128 bits (handed to money.Share, panics included).
func TestRoundingsMatchShare(t *testing.T) {
	edges := []int64{0, 1, -1, 4999, 5000, 5001, -5000, 9999, 10000, 49_999_999, 50_000_000, -50_000_000,
		1 << 31, 1<<53 + 1, math.MaxInt64 / 10000, math.MaxInt64/10000 + 1, math.MaxInt64 / 2, math.MaxInt64, -math.MaxInt64, math.MinInt64}
	rng := rand.New(rand.NewPCG(1, 2))
	val := func() int64 {
		switch rng.IntN(4) {
		case 0:
			return edges[rng.IntN(len(edges))]
		case 1:
			return rng.Int64N(20_001) - 10_000
		case 2:
			return rng.Int64N(2_000_000_000_000) - 1_000_000_000_000
		}
		return int64(rng.Uint64())
	}
	check := func(what string, a, b int64, got, want func() money.Fen) {
		t.Helper()
		g, gp := call(got)
		w, wp := call(want)
		if g != w || gp != wp {
			t.Fatalf("%s(%d, %d) = %v (panic %v), money.Share gives %v (panic %v)", what, a, b, g, gp, w, wp)
		}
	}
	for i := 0; i < 300_000; i++ {
		f, r, q, p := val(), val(), val(), val()
		check("mulRate", f, r, func() money.Fen { return mulRate(money.Fen(f), money.Rate(r)) },
			func() money.Fen { return money.Share(money.Fen(f), r, int64(money.Whole)) })
		check("roundWhole", f, 1, func() money.Fen { return roundWhole(f) },
			func() money.Fen { return money.Share(money.Fen(f), 1, int64(money.Whole)) })
		check("Amount", q, p, func() money.Fen { return Amount(Qty(q), Price(p)) },
			func() money.Fen { return money.Share(money.Fen(q), p, 100_000_000) })
	}
}

// call returns f's result, or whether it panicked.
func call(f func() money.Fen) (v money.Fen, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	return f(), false
}
