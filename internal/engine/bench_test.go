package engine

import (
	"testing"
)

// benchInput is a 20-line inpatient case (every line with its total, as a
// HIS sends it) at a county hospital with some
// year-to-date history, under the layered one-stop scheme.
func benchInput(b *testing.B) *Input {
	in := visit("inpatient", "county")
	in.Visit.Start = d("2024-06-01")
	in.Visit.End = d("2024-06-12")
	in.Person.Categories = []string{"low_income"}
	for i := 0; i < 20; i++ {
		l := Line{ID: itoa64(int64(i + 1)), Class: Class(i%3 + 1), Qty: Qty((i%5 + 1) * 10000), Price: Price((i*37%900 + 10) * 1_000_000)}
		if l.Class == ClassB {
			l.SelfPay = Ratio(500 + i*100)
		}
		if i%7 == 0 {
			l.PriceCap = l.Price * 9 / 10
		}
		l.Essential = i%4 == 0
		l.Total = Amount(l.Qty, l.Price) // as the HIS sends it: checked, not recomputed
		in.Lines = append(in.Lines, l)
	}
	in.YTD.Visits, in.YTD.Admissions, in.YTD.CatBase = 3, 1, y("4000")
	in.YTD.Pools = Pools{{"cap:annual", y("12000")}, {"cost:inpatient", y("20000")}, {"paid:inpatient", y("12000")}}
	return &in
}

func benchmarkCalc(b *testing.B, trace bool) {
	s := load(b, "one-stop")
	in := benchInput(b)
	if _, err := Calculate(s, in, Options{Trace: trace}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Calculate(s, in, Options{Trace: trace}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCalculate20Lines(b *testing.B)      { benchmarkCalc(b, false) }
func BenchmarkCalculate20LinesTrace(b *testing.B) { benchmarkCalc(b, true) }
