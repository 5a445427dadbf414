package stats

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"ncms/internal/db"
)

// BenchmarkParts times each aggregate of a yearly cube on a county built
// by BenchmarkYearReport (NCMS_BENCH_DB=sqlite:PATH), one at a time.
func BenchmarkParts(b *testing.B) {
	path := os.Getenv("NCMS_BENCH_DB")
	if path == "" {
		b.Skip("NCMS_BENCH_DB not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	p := Year(2026)
	parts := map[string]func(q db.Querier) error{
		"visits":      func(q db.Querier) error { _, err := visitFacts(ctx, q, p, ByNone, ""); return err },
		"visits-town": func(q db.Querier) error { _, err := visitFacts(ctx, q, p, ByTownship, ""); return err },
		"area":        func(q db.Querier) error { _, err := areaFacts(ctx, q, p, ""); return err },
		"high":        func(q db.Querier) error { _, err := highCost(ctx, q, p, ""); return err },
	}
	for name, fn := range parts {
		b.Run(name, func(b *testing.B) {
			c0 := cpu()
			for b.Loop() {
				if err := parallel(ctx, d, fn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpu()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpu is the process's user + system CPU time so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
