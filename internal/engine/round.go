package engine

import (
	"math"
	"math/bits"

	"ncms/internal/money"
)

// Roundings with constant denominators. money.Share divides a 128-bit
// product by a denominator known only at run time: a hardware division on
// every call, and there are a dozen or more a settlement. The engine's
// denominators are constants (money.Whole for rates, 10^8 for quantity ×
// price) and its products nearly always fit in 64 bits, where the compiler
// turns the division into a multiplication. These functions return exactly
// what money.Share returns (halves away from zero) and hand a product that
// does not fit in 64 bits to it.

// mulRate returns f × r rounded to the fen, as f.MulRate(r).
func mulRate(f money.Fen, r money.Rate) money.Fen {
	const den, half = uint64(money.Whole), uint64(money.Whole) / 2
	hi, lo := bits.Mul64(uabs(int64(f)), uabs(int64(r)))
	if hi != 0 || lo > math.MaxUint64-half {
		return f.MulRate(r)
	}
	q := money.Fen((lo + half) / den)
	if (f < 0) != (r < 0) {
		return -q
	}
	return q
}

// roundWhole returns num / money.Whole rounded to the fen, as
// money.Share(money.Fen(num), 1, int64(money.Whole)); num is an amount in
// fen × basis points.
func roundWhole(num int64) money.Fen { return mulRate(money.Fen(num), 1) }

// Amount returns quantity × price rounded to the fen, halves away from zero
// (rounding step R1 of docs/calc.md), as money.Share(q, p, 10^8).
func Amount(q Qty, p Price) money.Fen {
	const den, half = 100_000_000, 50_000_000
	hi, lo := bits.Mul64(uabs(int64(q)), uabs(int64(p)))
	if hi != 0 || lo > math.MaxUint64-half {
		return money.Share(money.Fen(q), int64(p), den)
	}
	a := money.Fen((lo + half) / den)
	if (q < 0) != (p < 0) {
		return -a
	}
	return a
}

func uabs(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}
