package bench

import (
	"context"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// BenchmarkHISSettle is the 2207-only phase of `ncms bench` as a Go
// benchmark, for profiling (-cpuprofile): b.N visits are registered and
// uploaded over HTTP first, then settled by 4 HIS clients at once.
// NCMS_BENCH_PG=1 runs it on PostgreSQL; NCMS_BENCH_PROFILE=FILE writes a
// CPU profile of the timed part only.
func BenchmarkHISSettle(b *testing.B) { benchHIS(b, "settle") }

// BenchmarkHISVisit is the visit phase: each op is 2201 + 2204 + 2207.
func BenchmarkHISVisit(b *testing.B) { benchHIS(b, "visit") }

func benchHIS(b *testing.B, phase string) {
	var d *db.DB
	if os.Getenv("NCMS_BENCH_PG") == "1" {
		d = dbtest.Postgres(b)
	} else {
		d = dbtest.SQLite(b)
	}
	ctx := context.Background()
	opt := Options{Persons: 500, SchemeDir: "../../schemes"}
	opt.defaults()
	c, err := newCounty(ctx, d, opt)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := startServer(d, c)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.close()
	l := &load{opt: opt, srv: srv, c: c, day: time.Now().Format("2006-01-02")}
	const conc = 4
	queue := make(chan prepared, b.N)
	if phase == "settle" {
		if err := l.prepare(ctx, conc, b.N, queue); err != nil {
			b.Fatal(err)
		}
	} else {
		for i := 0; i < b.N; i++ {
			queue <- prepared{}
		}
	}
	close(queue)
	if path := os.Getenv("NCMS_BENCH_PROFILE"); path != "" { // the timed part only
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	cpu0, counts0 := cpuTime(), d.Counts()
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				if phase == "visit" {
					var err error
					if p, err = l.open(ctx, srv.clients[0], c.persons[int(next.Add(1))%len(c.persons)]); err != nil {
						b.Error(err)
						return
					}
				}
				if err := l.settle(ctx, p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(d.Counts().Sub(counts0).Writes)/float64(b.N), "commits/op")
}
