package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"ncms/internal/db"
)

// PgBenchRow is pgbench -b tpcb-like at one client count (median of the runs).
type PgBenchRow struct {
	Clients   int       `json:"clients"`
	TPS       float64   `json:"tps"`
	LatencyMS float64   `json:"latency_avg_ms"`
	RunsTPS   []float64 `json:"runs_tps"`
	// CPU per transaction: the local PostgreSQL server's (0: not
	// measured, pgcpu.go) and the pgbench process's own.
	ServerCPUms float64 `json:"server_cpu_ms,omitempty"`
	ClientCPUms float64 `json:"client_cpu_ms,omitempty"`
}

// pgServer is the PostgreSQL server named by --pg.
type pgServer struct {
	admin   *db.DB
	base    *url.URL
	version string
}

func newPGServer(ctx context.Context, dsn string) (*pgServer, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("--pg: %w", err)
	}
	admin, err := db.OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &pgServer{admin: admin, base: u}
	_ = admin.QueryRowContext(ctx, `SHOW server_version`).Scan(&s.version)
	return s, nil
}

func (s *pgServer) close() { s.admin.Close() }

// scratch creates an empty database and returns its DSN and a drop function.
func (s *pgServer) scratch(ctx context.Context, prefix string) (string, func(), error) {
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create scratch database %s: %w", name, err)
	}
	u := *s.base
	u.Path = "/" + name
	drop := func() {
		_, _ = s.admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// pgbenchPath finds the pgbench binary.
func pgbenchPath(opt Options) string {
	if opt.PgBench != "" {
		return opt.PgBench
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(m) > 0 {
		return m[len(m)-1]
	}
	return ""
}

var (
	tpsRE = regexp.MustCompile(`tps = ([0-9.]+)`)
	txRE  = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)
	latRE = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
)

// pgbench initializes a scratch database (pgbench -i -s PgScale) and runs
// tpcb-like at each concurrency, opt.Runs times; it returns the medians or
// a note saying why it could not.
func (s *pgServer) pgbench(ctx context.Context, opt Options) ([]PgBenchRow, string) {
	bin := pgbenchPath(opt)
	if bin == "" {
		return nil, "pgbench not found (PATH, /usr/lib/postgresql/*/bin): apt-get install postgresql-client"
	}
	dsn, drop, err := s.scratch(ctx, "ncms_pgbench")
	if err != nil {
		return nil, err.Error()
	}
	defer drop()
	u, _ := url.Parse(dsn)
	env := append(os.Environ(), "PGHOST="+u.Hostname(), "PGDATABASE="+strings.TrimPrefix(u.Path, "/"))
	if p := u.Port(); p != "" {
		env = append(env, "PGPORT="+p)
	}
	if u.User != nil {
		env = append(env, "PGUSER="+u.User.Username())
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
		}
	}
	if m := u.Query().Get("sslmode"); m != "" {
		env = append(env, "PGSSLMODE="+m)
	}
	var clientCPU time.Duration // of the last run
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if cmd.ProcessState != nil {
			clientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		return out.String(), err
	}
	fmt.Fprintf(opt.Log, "pgbench: -i -s %d\n", opt.PgScale)
	if out, err := run("-i", "-q", "-s", strconv.Itoa(opt.PgScale)); err != nil {
		return nil, fmt.Sprintf("pgbench -i failed: %v: %s", err, lastLine(out))
	}
	secs := max(1, int(opt.Duration.Round(time.Second)/time.Second))
	var rows []PgBenchRow
	for _, c := range opt.Concurrency {
		row := PgBenchRow{Clients: c}
		var lats, servers, clients []float64
		for r := 0; r < opt.Runs; r++ {
			sampler := sampleServerCPU(dsn)
			out, err := run("-b", "tpcb-like", "-n", "-c", strconv.Itoa(c), "-j", strconv.Itoa(min(2, c)), "-T", strconv.Itoa(secs))
			server, measured := sampler.end()
			m := tpsRE.FindStringSubmatch(out)
			if err != nil || m == nil {
				return rows, fmt.Sprintf("pgbench -c %d failed: %v: %s", c, err, lastLine(out))
			}
			tps, _ := strconv.ParseFloat(m[1], 64)
			row.RunsTPS = append(row.RunsTPS, tps)
			if l := latRE.FindStringSubmatch(out); l != nil {
				v, _ := strconv.ParseFloat(l[1], 64)
				lats = append(lats, v)
			}
			if t := txRE.FindStringSubmatch(out); t != nil {
				if n, _ := strconv.ParseFloat(t[1], 64); n > 0 {
					clients = append(clients, ms(clientCPU)/n)
					if measured {
						servers = append(servers, ms(server)/n)
					}
				}
			}
			fmt.Fprintf(opt.Log, "pgbench tpcb-like -c %d run %d: %.0f tps\n", c, r+1, tps)
		}
		row.TPS, row.LatencyMS = median(row.RunsTPS), median(lats)
		row.ServerCPUms, row.ClientCPUms = median(servers), median(clients)
		rows = append(rows, row)
	}
	return rows, fmt.Sprintf("%s -b tpcb-like -n -c N -j min(2,N) -T %d on a scratch database initialized with -i -s %d", filepath.Base(bin), secs, opt.PgScale)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
