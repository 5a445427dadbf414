package enroll_test

import (
	"context"
	"testing"

	"ncms/internal/db/dbtest"
	"ncms/internal/enroll"
)

// BenchmarkCoverageOf measures the settlement-time question on SQLite:
// three indexed reads and the pure decision.
func BenchmarkCoverageOf(b *testing.B) {
	d := dbtest.SQLite(b)
	w := newWorld(b, d)
	var ids []int64
	for range 50 {
		h := w.house(b, w.villA)
		must(w.s.Enroll(w.clerkA, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: day("2025-10-01")}))(b)
		for _, m := range h.Members {
			ids = append(ids, m.ID)
		}
	}
	ctx := context.Background()
	on := day("2026-06-01")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c, err := enroll.CoverageOf(ctx, d, ids[i%len(ids)], on)
		if err != nil || !c.Covered {
			b.Fatalf("%v %+v", err, c)
		}
	}
}
