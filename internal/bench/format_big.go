package bench

import (
	"fmt"
	"io"
	"strings"
)

// Engine and HIS targets (docs/performance.md "The targets").
const (
	engineTarget   = 500_000 // settlements/s on one core without the trace
	sqliteTarget   = 1000    // 2207/s on SQLite …
	sqliteP99      = 20.0    // … with p99 ≤ 20 ms
	pgbenchPercent = 50.0    // PostgreSQL: % of pgbench tpcb-like at the same clients
)

// TargetRow is one figure against its target.
type TargetRow struct {
	Section string `json:"section"`
	Engine  string `json:"engine,omitempty"`
	Target  string `json:"target"`
	Result  string `json:"result"`
	Verdict string `json:"verdict"` // pass, miss, or not judged (why)
}

func passIf(ok bool) string {
	if ok {
		return Pass
	}
	return Miss
}

// Targets lists every target the run can judge, with its result.
func (r *Report) Targets() []TargetRow {
	var out []TargetRow
	if e := r.Engine; e != nil {
		out = append(out, TargetRow{"engine", "", "≥ 500,000 settlements/s on one core, no trace",
			thousands(e.PerSecond) + "/s", passIf(e.PerSecond >= engineTarget)})
	}
	if row, ok := r.sqliteHISTarget(); ok {
		out = append(out, row)
	}
	if row, ok := r.pgHISTarget(); ok {
		out = append(out, row)
	}
	for _, f := range r.Import {
		out = append(out, TargetRow{"import", f.Engine, fmt.Sprintf("%s people ≤ %.0f s", thousands(TargetSize), float64(f.Target)),
			fmt.Sprintf("%s people in %.1f s", thousands(float64(f.Persons)), float64(f.Seconds)), f.Verdict})
	}
	for _, f := range r.Reports {
		worst := TableFigure{}
		for _, t := range f.Tables {
			if t.Seconds >= worst.Seconds {
				worst = t
			}
		}
		out = append(out, TargetRow{"report", f.Engine, fmt.Sprintf("every full-year table ≤ %.0f s (%s enrollees, %s settlements)",
			float64(f.Target), thousands(TargetSize), thousands(TargetSize)),
			fmt.Sprintf("slowest %.2f s (%s) on %s enrollees, %s settlements", float64(worst.Seconds), worst.Name,
				thousands(float64(f.Enrollees)), thousands(float64(f.Settlements))), f.Verdict})
	}
	return out
}

// sqliteHISTarget: the best 2207-only rate with p99 within the bound.
func (r *Report) sqliteHISTarget() (TargetRow, bool) {
	row := TargetRow{Section: "his", Engine: "sqlite", Target: "≥ 1,000 2207/s with p99 ≤ 20 ms"}
	var best *HISFigure
	seen := false
	for i, f := range r.HIS {
		if f.Engine != "sqlite" || f.Phase != "settle" {
			continue
		}
		seen = true
		if f.Settle.P99 <= sqliteP99 && (best == nil || f.PerSecond > best.PerSecond) {
			best = &r.HIS[i]
		}
	}
	if !seen {
		return row, false
	}
	if best == nil {
		row.Result, row.Verdict = fmt.Sprintf("p99 > 20 ms at every concurrency (best %s/s)", thousands(r.bestSettle("sqlite"))), Miss
		return row, true
	}
	row.Result = fmt.Sprintf("%s/s at %d clients, p99 %.1f ms", thousands(best.PerSecond), best.Concurrency, best.Settle.P99)
	row.Verdict = passIf(best.PerSecond >= sqliteTarget)
	return row, true
}

// pgHISTarget: the best ratio of 2207-only to pgbench at the same clients.
func (r *Report) pgHISTarget() (TargetRow, bool) {
	row := TargetRow{Section: "his", Engine: "postgres", Target: "≥ 50 % of pgbench tpcb-like (2207 only, same clients)"}
	lo, hi, at := -1.0, -1.0, 0
	for _, p := range r.PgBench {
		s := r.find("postgres", "settle", p.Clients)
		if s == 0 || p.TPS == 0 {
			continue
		}
		x := pct(s, p.TPS)
		if lo < 0 || x < lo {
			lo = x
		}
		if x > hi {
			hi, at = x, p.Clients
		}
	}
	if hi < 0 {
		return row, false
	}
	row.Result = fmt.Sprintf("%.0f–%.0f %% by clients (best at %d)", lo, hi, at)
	row.Verdict = passIf(hi >= pgbenchPercent)
	return row, true
}

// textBig writes the targets, the big-data sections and the memory.
func (r *Report) textBig(w io.Writer) {
	if ts := r.Targets(); len(ts) > 0 {
		fmt.Fprintln(w, "\ntargets:")
		for _, t := range ts {
			fmt.Fprintf(w, "  %-7s %-8s %s: %s — %s\n", t.Section, t.Engine, t.Target, t.Result, t.Verdict)
		}
	}
	for _, f := range r.Import {
		fmt.Fprintf(w, "\nimport %s: %d persons, %d households, %.1f s (runs %s; check %.1f s, write %.1f s, CPU %.1f s), %.0f persons/s\n",
			f.Engine, f.Persons, f.Households, float64(f.Seconds), runsText(f.RunsS, 1), float64(f.Validate), float64(f.Write),
			float64(f.CPU), float64(f.Persons)/max(float64(f.Seconds), 1e-9))
	}
	for _, f := range r.Reports {
		fmt.Fprintf(w, "\nreport %s: %d enrollees (EnrollBulk %.1f s), %d settlements (written in %.1f s), rollup %d in %.1f s; summary: %d visits, %d enrollees\n",
			f.Engine, f.Enrollees, float64(f.EnrollS), f.Settlements, float64(f.SeedS), f.RolledUp, float64(f.RefreshS), f.Visits, f.SumEnrolled)
		for _, t := range f.Tables {
			fmt.Fprintf(w, "  %-26s %6.2f s (CPU %.2f s; runs %s) %d rows\n", t.Name, float64(t.Seconds), float64(t.CPU), runsText(t.RunsS, 2), t.Rows)
		}
	}
	if len(r.Memory) > 0 {
		fmt.Fprintf(w, "\n%-22s %-8s %12s %16s  %s\n", "memory", "engine", "peak RSS MB", "Go heap peak MB", "load at start")
		for _, m := range r.Memory {
			fmt.Fprintf(w, "%-22s %-8s %12.0f %16.0f  %s%s\n", m.Section, m.Engine, m.RSSPeakMB, m.HeapPeakMB, m.Load, rssNote(m))
		}
	}
}

func rssNote(m Memory) string {
	if m.RSSReset {
		return ""
	}
	return " (RSS: process peak so far)"
}

func runsText(xs []float64, prec int) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprintf("%.*f", prec, x))
	}
	return strings.Join(s, " / ")
}

// markdownBig writes the targets, the big-data sections and the memory.
func (r *Report) markdownBig(w io.Writer) {
	if ts := r.Targets(); len(ts) > 0 {
		fmt.Fprintln(w, "Targets:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| section | engine | target | result | verdict |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, t := range ts {
			v := t.Verdict
			if v == Pass || v == Miss {
				v = "**" + v + "**"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", t.Section, orDash(t.Engine), t.Target, t.Result, v)
		}
		fmt.Fprintln(w)
	}
	if len(r.Import) > 0 {
		fmt.Fprintf(w, "Household import of a generated roster (`ncms import households --generate %d`, seed 1) into a fresh, initialized database "+
			"(importfile.Open + registry.ImportHouseholds, as `ncms import households` and the console): wall time from opening the file to the commit.\n\n",
			r.Size)
		fmt.Fprintln(w, "| engine | persons | households | file MB | wall s (median; runs) | check s | write s | CPU s (this process) | persons/s | verdict |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
		for _, f := range r.Import {
			fmt.Fprintf(w, "| %s | %s | %s | %.0f | **%.1f** (%s) | %.1f | %.1f | %.1f | %s | %s |\n", f.Engine, thousands(float64(f.Persons)),
				thousands(float64(f.Households)), f.FileMB, float64(f.Seconds), runsText(f.RunsS, 1), float64(f.Validate), float64(f.Write),
				float64(f.CPU), thousands(float64(f.Persons)/max(float64(f.Seconds), 1e-9)), f.Verdict)
		}
		fmt.Fprintln(w)
	}
	if len(r.Reports) > 0 {
		fmt.Fprintln(w, "Full-year statistics (`stats.Service.Table`, the call behind `ncms report`, `/stats` and `/api/v1/stats`) on the imported county: "+
			"everyone enrolled by `enroll.EnrollBulk`, one settlement per enrollee written by INSERT … SELECT (`internal/bench/seed`, as the stats "+
			"benchmarks), the rollup refreshed as the nightly job does, the clock at 31 December 10:00 China time (that day's settlements read live).")
		fmt.Fprintln(w)
		for _, f := range r.Reports {
			fmt.Fprintf(w, "- %s: %s enrollees in %s households enrolled in %.1f s; %s settlements written in %.1f s; rollup of %s settlements built in %.1f s; "+
				"the summary counts %s compensated visits and %s enrollees.\n", f.Engine, thousands(float64(f.Enrollees)), thousands(float64(f.Households)),
				float64(f.EnrollS), thousands(float64(f.Settlements)), float64(f.SeedS), thousands(float64(f.RolledUp)), float64(f.RefreshS),
				thousands(float64(f.Visits)), thousands(float64(f.SumEnrolled)))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| engine | table (year) | wall s (median; runs) | CPU s (this process) | rows | verdict |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, f := range r.Reports {
			for _, t := range f.Tables {
				fmt.Fprintf(w, "| %s | %s | **%.2f** (%s) | %.2f | %d | %s |\n", f.Engine, t.Name, float64(t.Seconds), runsText(t.RunsS, 2),
					float64(t.CPU), t.Rows, t.Verdict)
			}
		}
		fmt.Fprintln(w)
	}
	if len(r.Memory) > 0 {
		fmt.Fprintln(w, "Peak memory of the bench process per section: RSS high-water mark (VmHWM, reset at the section's start through "+
			"/proc/self/clear_refs) and the largest Go heap sampled every 10 ms. SQLite's page cache and memory-mapped database pages count in the RSS, "+
			"not in the Go heap; on PostgreSQL the server's memory is not in either.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| section | engine | peak RSS MB | Go heap peak MB | load average at start |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, m := range r.Memory {
			fmt.Fprintf(w, "| %s | %s | %.0f%s | %.0f | %s |\n", m.Section, orDash(m.Engine), m.RSSPeakMB, rssNote(m), m.HeapPeakMB, m.Load)
		}
		fmt.Fprintln(w)
	}
}
