package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/scheme"
)

// EngineFigures are engine.Calculate settlements per second on one core
// (one goroutine), for the 20-line inpatient case of the engine's own
// benchmark (internal/engine/bench_test.go) under schemes/one-stop.yaml.
type EngineFigures struct {
	PerSecond      float64   `json:"per_s"`
	PerSecondTrace float64   `json:"per_s_trace"`
	Runs           []float64 `json:"runs_per_s"`
	RunsTrace      []float64 `json:"runs_per_s_trace"`
}

func engineFigures(path string, opt Options) (*EngineFigures, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (use --schemes DIR)", err)
	}
	s, err := scheme.Parse(path, b)
	if err != nil {
		return nil, err
	}
	in := engineInput()
	if _, err := engine.Calculate(s, in, engine.Options{}); err != nil {
		return nil, err
	}
	e := &EngineFigures{}
	for r := 0; r < opt.Runs; r++ {
		e.Runs = append(e.Runs, engineRate(s, in, false, opt.Short))
		e.RunsTrace = append(e.RunsTrace, engineRate(s, in, true, opt.Short))
		fmt.Fprintf(opt.Log, "engine run %d: %.0f/s without trace, %.0f/s with trace\n", r+1, e.Runs[r], e.RunsTrace[r])
	}
	e.PerSecond, e.PerSecondTrace = median(e.Runs), median(e.RunsTrace)
	return e, nil
}

// engineRate runs Calculate for about a second (short: 50 ms) on one
// goroutine and one core: GOMAXPROCS is 1 while it runs, so the garbage
// collector's work for the settlements' allocations is done on that same
// core and counted (with two, the collector ran beside it on the second
// core, and concurrent marking made the goroutine itself 1.5× slower:
// 1,400 ns vs 2,000–2,500 ns per settlement in `go test -bench
// Calculate20Lines -cpu 1,2`). This is what `-cpu 1` measures too.
func engineRate(s *scheme.Scheme, in *engine.Input, trace bool, short bool) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if short {
		n, start := 0, time.Now()
		for time.Since(start) < 50*time.Millisecond {
			_, _ = engine.Calculate(s, in, engine.Options{Trace: trace})
			n++
		}
		return float64(n) / time.Since(start).Seconds()
	}
	r := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = engine.Calculate(s, in, engine.Options{Trace: trace})
		}
	})
	return float64(r.N) / r.T.Seconds()
}

// engineInput is the engine benchmark's case: 20 lines (classes A/B/C,
// self-pay shares, price ceilings, essential drugs) at a county hospital
// for a low-income person with year-to-date history.
func engineInput() *engine.Input {
	in := &engine.Input{
		Person: engine.Person{Tier: 1, Birth: civil.MustParse("1970-06-01"), HouseholdMembers: 1, Categories: []string{"low_income"}},
		Visit: engine.Visit{Kind: "inpatient", Level: "county", InCounty: true, Referral: true,
			Start: civil.MustParse("2024-06-01"), End: civil.MustParse("2024-06-12")},
	}
	for i := 0; i < 20; i++ {
		l := engine.Line{ID: strconv.Itoa(i + 1), Class: engine.Class(i%3 + 1), Qty: engine.Qty((i%5 + 1) * 10000),
			Price: engine.Price((i*37%900 + 10) * 1_000_000)}
		if l.Class == engine.ClassB {
			l.SelfPay = engine.Ratio(500 + i*100)
		}
		if i%7 == 0 {
			l.PriceCap = l.Price * 9 / 10
		}
		l.Essential = i%4 == 0
		l.Total = engine.Amount(l.Qty, l.Price)
		in.Lines = append(in.Lines, l)
	}
	in.YTD.Visits, in.YTD.Admissions, in.YTD.CatBase = 3, 1, money.MustParse("4000")
	in.YTD.Pools = engine.Pools{{Key: "cap:annual", Amount: money.MustParse("12000")},
		{Key: "cost:inpatient", Amount: money.MustParse("20000")}, {Key: "paid:inpatient", Amount: money.MustParse("12000")}}
	return in
}
