package settle_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/settle"
)

// BenchmarkSettle measures Settle (2207) with persistence: visits with two
// lines each are registered beforehand for 200 persons; the timed part
// settles them from 8 goroutines, each with its own msgid.
func BenchmarkSettle(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSettle(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchSettle(b, dbtest.Postgres(b)) })
}

func benchSettle(b *testing.B, d *db.DB) {
	f := newFixture(b, d)
	ctx := f.as("township")
	persons := make([]int64, 200)
	for i := range persons {
		persons[i] = f.person(1 + i%2)
	}
	visits := make([]int64, b.N)
	for i := range visits {
		v, err := f.svc.Register(ctx, settle.VisitRequest{PersonID: persons[i%len(persons)], MedType: "11",
			Begin: civil.MustParse("2013-04-01"), Diagnoses: []string{"J06.9"}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID,
			Lines: []settle.LineInput{line("1", "A001", "12.00"), line("2", "B001", "30.50")}}); err != nil {
			b.Fatal(err)
		}
		visits[i] = v.ID
	}
	var next atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: visits[i], MsgID: fmt.Sprintf("B%027d", i)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.Logf("%d settlements in %v: %d settlements/s", b.N, time.Since(start).Round(time.Millisecond),
		int64(b.N)*int64(time.Second)/int64(time.Since(start)))
}
