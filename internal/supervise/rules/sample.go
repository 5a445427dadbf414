package rules

import (
	"math/rand/v2"
	"slices"

	"ncms/internal/money"
)

// SampleSize is how many of n are drawn at share: n × share rounded half
// up, and at least 1 when n > 0 and share > 0.
func SampleSize(n int, share money.Rate) int {
	if n <= 0 || share <= 0 {
		return 0
	}
	k := int(money.Share(money.Fen(n), int64(share), int64(money.Whole)))
	if k < 1 {
		k = 1
	}
	if k > n {
		k = n
	}
	return k
}

// Sample draws SampleSize(len(ids), share) of ids at random with seed. The
// draw depends only on the seed and the set of ids (they are sorted first),
// so recording the seed and the population makes it reproducible. The
// result is in drawing order.
func Sample(seed uint64, ids []int64, share money.Rate) []int64 {
	pop := slices.Clone(ids)
	slices.Sort(pop)
	pop = slices.Compact(pop)
	k := SampleSize(len(pop), share)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// partial Fisher–Yates: the first k positions are the sample
	for i := 0; i < k; i++ {
		j := i + r.IntN(len(pop)-i)
		pop[i], pop[j] = pop[j], pop[i]
	}
	return pop[:k]
}
