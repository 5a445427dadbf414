package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Load reads a report written by JSON.
func Load(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// bestSettle is the highest settle-phase throughput of engine.
func (r *Report) bestSettle(engine string) float64 {
	best := 0.0
	for _, f := range r.HIS {
		if f.Engine == engine && f.Phase == "settle" && f.PerSecond > best {
			best = f.PerSecond
		}
	}
	return best
}

// cpuAt is the median CPU per settlement of engine's phase over the concurrencies.
func (r *Report) cpuAt(engine, phase string) float64 {
	var xs []float64
	for _, f := range r.HIS {
		if f.Engine == engine && f.Phase == phase && f.CPUms > 0 {
			xs = append(xs, f.CPUms)
		}
	}
	return median(xs)
}

// Text writes a plain summary.
func (r *Report) Text(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "machine: %s, %d cores (GOMAXPROCS %d), %s, %s; load %s → %s\n", m.CPU, m.Cores, m.GOMAXPROCS, m.OS, m.Go,
		m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "SQLite %s; PostgreSQL %s; %d run(s) of %.1f s per figure (medians); %d persons; %.0f s in all\n",
		m.SQLite, orDash(m.PostgreSQL), r.Runs, float64(r.Duration), r.Persons, float64(r.Elapsed))
	if len(r.Sections) > 0 {
		fmt.Fprintf(w, "sections: %s; size %d; revision %s; left out: %s\n", strings.Join(r.Sections, ", "), r.Size, orDash(r.Revision),
			orDash(strings.Join(r.Skipped, ", ")))
	}
	if e := r.Engine; e != nil {
		fmt.Fprintf(w, "engine (one core: GOMAXPROCS 1, 20-line inpatient case): %.0f settlements/s without trace, %.0f with trace\n",
			e.PerSecond, e.PerSecondTrace)
	}
	if len(r.HIS) > 0 {
		fmt.Fprintf(w, "\n%-8s %-6s %5s %14s %7s %9s %9s %9s %9s %9s %9s %7s\n", "engine", "phase", "conc", "settlements/s",
			"CPU ms", "2207 p50", "p95", "p99", "visit p50", "p95", "p99", "errors")
	}
	for _, f := range r.HIS {
		fmt.Fprintf(w, "%-8s %-6s %5d %14.0f %7.2f %9.1f %9.1f %9.1f", f.Engine, f.Phase, f.Concurrency, f.PerSecond,
			f.CPUms, f.Settle.P50, f.Settle.P95, f.Settle.P99)
		if f.Visit != nil {
			fmt.Fprintf(w, " %9.1f %9.1f %9.1f", f.Visit.P50, f.Visit.P95, f.Visit.P99)
		} else {
			fmt.Fprintf(w, " %9s %9s %9s", "", "", "")
		}
		fmt.Fprintf(w, " %7d\n", f.Errors)
	}
	if len(r.PgBench) > 0 || r.PgNote != "" {
		fmt.Fprintf(w, "\npgbench: %s\n", r.PgNote)
		for _, p := range r.PgBench {
			fmt.Fprintf(w, "  -c %-3d %8.0f tps (latency avg %.1f ms); ncms 2207 at the same concurrency: %s\n", p.Clients, p.TPS,
				p.LatencyMS, ratioText(r.find("postgres", "settle", p.Clients), p.TPS))
		}
	}
	if l := r.Loop; l != nil {
		fmt.Fprintf(w, "\nbare SQLite loop (%s): %.0f tx/s; best ncms 2207 on SQLite %.0f/s = %.0f %%\n", l.Rows, l.PerSecond,
			r.bestSettle("sqlite"), pct(r.bestSettle("sqlite"), l.PerSecond))
	}
	r.textBig(w)
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func (r *Report) find(engine, phase string, c int) float64 {
	for _, f := range r.HIS {
		if f.Engine == engine && f.Phase == phase && f.Concurrency == c {
			return f.PerSecond
		}
	}
	return 0
}

func ratioText(ours, ceiling float64) string {
	if ours == 0 || ceiling == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/s = %.0f %%", ours, pct(ours, ceiling))
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Markdown writes a section for docs/performance.md.
func (r *Report) Markdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "Run of %s UTC, %.0f s: `%s`", r.Started.Format("2006-01-02 15:04"), float64(r.Elapsed), r.Command)
	if r.Revision != "" {
		fmt.Fprintf(w, " (revision %s)", r.Revision)
	}
	fmt.Fprint(w, "\n\n")
	fmt.Fprintf(w, "Machine: %s, %d cores (GOMAXPROCS %d), %s, %s, SQLite %s (modernc, pure Go), PostgreSQL %s on the same machine; "+
		"load average %s before, %s after. Each figure is the median of %d run(s) of %.0f s; %d enrolled persons.",
		m.CPU, m.Cores, m.GOMAXPROCS, m.OS, m.Go, m.SQLite, orDash(m.PostgreSQL), m.LoadBefore, m.LoadAfter, r.Runs,
		float64(r.Duration), r.Persons)
	if len(r.Sections) > 0 {
		fmt.Fprintf(w, " Sections: %s; size %s (people imported; enrollees and settlements of the report).", strings.Join(r.Sections, ", "),
			thousands(float64(r.Size)))
		if len(r.Skipped) > 0 {
			fmt.Fprintf(w, " Left out: %s.", strings.Join(r.Skipped, ", "))
		}
	}
	fmt.Fprint(w, "\n\n")
	if e := r.Engine; e != nil {
		fmt.Fprintf(w, "Engine, one core (GOMAXPROCS 1 while measured; 20-line inpatient case): **%s** settlements/s without trace, **%s** with trace.\n\n",
			thousands(e.PerSecond), thousands(e.PerSecondTrace))
	}
	if len(r.HIS) > 0 {
		fmt.Fprintln(w, "| engine | phase | clients | settlements/s | CPU ms / settlement | 2207 p50 / p95 / p99 ms | visit p50 / p95 / p99 ms | errors |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
		for _, f := range r.HIS {
			v := "—"
			if f.Visit != nil {
				v = fmt.Sprintf("%.1f / %.1f / %.1f", f.Visit.P50, f.Visit.P95, f.Visit.P99)
			}
			fmt.Fprintf(w, "| %s | %s | %d | **%s** | %.2f | %.1f / %.1f / %.1f | %s | %d |\n", f.Engine, phaseText(f.Phase), f.Concurrency,
				thousands(f.PerSecond), f.CPUms, f.Settle.P50, f.Settle.P95, f.Settle.P99, v, f.Errors)
		}
		fmt.Fprintln(w)
	}
	if len(r.PgBench) > 0 || r.PgNote != "" {
		fmt.Fprintf(w, "Ceiling, PostgreSQL: `%s`.\n\n", r.PgNote)
		if len(r.PgBench) > 0 {
			fmt.Fprintln(w, "| clients | pgbench tps | latency avg ms | CPU ms / tx: server + pgbench | ncms 2207/s (settle phase) | ratio | CPU ms / 2207: server + ncms | ncms visits/s | ratio |")
			fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
			for _, p := range r.PgBench {
				s, v := r.find("postgres", "settle", p.Clients), r.find("postgres", "visit", p.Clients)
				fmt.Fprintf(w, "| %d | %s | %.1f | %s | %s | %.0f %% | %s | %s | %.0f %% |\n", p.Clients, thousands(p.TPS), p.LatencyMS,
					cpuPair(p.ServerCPUms, p.ClientCPUms), thousands(s), pct(s, p.TPS), cpuPair(r.figure("postgres", "settle", p.Clients)),
					thousands(v), pct(v, p.TPS))
			}
			fmt.Fprintln(w)
			r.pgCPUBound(w)
		}
	}
	if cpu := r.cpuAt("sqlite", "settle"); cpu > 0 {
		fmt.Fprintf(w, "On SQLite the whole system (HIS clients, HTTP server, settlement, database) runs in this one process, "+
			"using %.2f ms of CPU per 2207 (median over the concurrencies): with the %d cores to itself that bounds it at about "+
			"%s settlements/s.\n\n", cpu, r.Machine.Cores, thousands(float64(r.Machine.Cores)*1000/cpu))
	}
	if l := r.Loop; l != nil {
		s := r.bestSettle("sqlite")
		fmt.Fprintf(w, "Ceiling, SQLite: a bare loop (one goroutine, prepared statements, same pragmas) doing per transaction: %s — "+
			"**%s** transactions/s. Best ncms 2207 on SQLite: %s/s = **%.0f %%** of it.\n\n", l.Rows, thousands(l.PerSecond),
			thousands(s), pct(s, l.PerSecond))
	}
	r.markdownBig(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n\n", n)
	}
}

func phaseText(p string) string {
	if p == "visit" {
		return "visit (2201+2204+2207)"
	}
	return "2207 only"
}

// thousands formats a rate without decimals, with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cpuPair prints "server + client" CPU milliseconds, or "—" unmeasured.
func cpuPair(server, client float64) string {
	if server == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f + %.2f", server, client)
}

// figure returns the server and ncms CPU ms per settlement of one HIS figure.
func (r *Report) figure(engine, phase string, conc int) (server, ncms float64) {
	for _, f := range r.HIS {
		if f.Engine == engine && f.Phase == phase && f.Concurrency == conc {
			return f.ServerCPUms, f.CPUms
		}
	}
	return 0, 0
}

// pgCPUBound says what the PostgreSQL ratio target asks of this machine's
// cores: the CPU a 2207 costs (server + ncms, HIS clients included) at
// half pgbench's best rate, against the cores there are.
func (r *Report) pgCPUBound(w io.Writer) {
	var best PgBenchRow
	for _, p := range r.PgBench {
		if p.TPS > best.TPS {
			best = p
		}
	}
	server, ncms := r.figure("postgres", "settle", best.Clients)
	if server == 0 || best.TPS == 0 {
		return
	}
	per := server + ncms
	fmt.Fprintf(w, "At %d clients a 2207 costs %.2f ms of CPU in the PostgreSQL server and %.2f ms in ncms (HTTP, signature, engine, "+
		"driver; the HIS clients included), %.2f ms in all, against %.2f ms for a pgbench transaction (server + pgbench). "+
		"50 %% of pgbench's best rate (%s tps at %d clients) is %s 2207/s, which at %.2f ms each needs **%.1f cores** of CPU; "+
		"this machine has %d, shared by both. With every core busy, a 2207 at this cost runs at most %s/s.\n\n",
		best.Clients, server, ncms, per, best.ServerCPUms+best.ClientCPUms, thousands(best.TPS), best.Clients,
		thousands(best.TPS/2), per, best.TPS/2*per/1000, r.Machine.Cores, thousands(float64(r.Machine.Cores)*1000/per))
}
