package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/stats"
)

// runReport implements "ncms report NAME --year Y [--month M | --quarter Q
// | --from D --to D] [--by DIM] [--format json|csv|xlsx] [--out FILE]":
// a statistical table of docs/stats.md for the whole county.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("report", stderr)
	year := fs.Int("year", 0, "scheme year / 年度 (required)")
	month := fs.Int("month", 0, "month 1–12 / 月份")
	quarter := fs.Int("quarter", 0, "quarter 1–4 / 季度")
	from := fs.String("from", "", "first day YYYY-MM-DD (custom period) / 起始日")
	to := fs.String("to", "", "last day YYYY-MM-DD (custom period) / 截止日")
	by := fs.String("by", "", "rows by township|village|institution|level|kind|month / 分组")
	format := fs.String("format", "json", "json|csv|xlsx / 输出格式")
	out := fs.String("out", "", "write to FILE instead of standard output / 输出文件")
	direct := fs.Bool("direct", false, "read every settlement, not the rollup (the reference) / 不用汇总表")
	fs.Usage = func() {
		var names []string
		for _, r := range stats.Reports {
			names = append(names, fmt.Sprintf("  %-14s %s / %s (default by: %s)", r.Name, r.Zh, r.En, orCounty(r.DefaultBy)))
		}
		fmt.Fprintf(stderr, "usage: ncms report NAME --year Y [--month M|--quarter Q|--from D --to D] [--by DIM] [--format json|csv|xlsx] [--out FILE]\nreports / 报表:\n%s\n",
			strings.Join(names, "\n"))
		fs.PrintDefaults()
	}
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	if name == "" || *year == 0 || !slices.Contains(stats.Formats, *format) {
		fs.Usage()
		return 2
	}
	p, err := reportPeriod(*year, *month, *quarter, *from, *to)
	if err != nil {
		fmt.Fprintln(stderr, "ncms report:", err)
		return 2
	}
	dim, err := stats.ParseDim(*by)
	if err != nil {
		fmt.Fprintln(stderr, "ncms report:", err)
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	actx := access.WithActor(ctx, access.System("report"))
	t, err := stats.NewWith(d, stats.Options{Direct: *direct}).Table(actx, stats.Query{Report: name, Period: p, By: dim})
	if err != nil {
		fmt.Fprintln(stderr, "ncms report:", err)
		return 1
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "ncms report:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := stats.Write(w, t, *format); err != nil {
		fmt.Fprintln(stderr, "ncms report:", err)
		return 1
	}
	return 0
}

func orCounty(d stats.Dim) string {
	if d == "" {
		return "county"
	}
	return string(d)
}

// reportPeriod reads the period flags: a month, a quarter, a custom range
// or the whole year.
func reportPeriod(year, month, quarter int, from, to string) (stats.Period, error) {
	n := 0
	for _, set := range []bool{month != 0, quarter != 0, from != "" || to != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return stats.Period{}, fmt.Errorf("give one of --month, --quarter or --from/--to")
	}
	var p stats.Period
	switch {
	case month != 0:
		p = stats.Month(year, month)
	case quarter != 0:
		p = stats.Quarter(year, quarter)
	case from != "" || to != "":
		f, err1 := civil.Parse(from)
		t, err2 := civil.Parse(to)
		if err1 != nil || err2 != nil {
			return p, fmt.Errorf("--from and --to are days YYYY-MM-DD")
		}
		p = stats.Custom(year, f, t)
	default:
		p = stats.Year(year)
	}
	return p, p.Check()
}

// runStats implements "ncms stats refresh": brings the statistics rollup
// up to date (every settlement of the days before today, China time, and
// the sums of people who moved); the nightly job. Reports do the same when
// they find a day closed since the last refresh; running it again does
// nothing. To rebuild the rollup from scratch, empty its tables (docs/stats.md).
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("stats", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ncms stats refresh [--db DSN]")
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "refresh" {
		fs.Usage()
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	t0 := time.Now()
	r, err := stats.New(d).Refresh(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "ncms stats refresh:", err)
		return 1
	}
	fmt.Fprintf(stdout, "rolled up %d settlements, moved %d people; days before %s rolled up (settlements to id %d), %s\n",
		r.Settlements, r.Moved, r.Closed, r.SettleID, time.Since(t0).Round(time.Millisecond))
	return 0
}
