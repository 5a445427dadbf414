package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ncms/internal/db"
	"ncms/internal/his"
	"ncms/internal/money"
	ncmsserver "ncms/internal/server"
)

// HISFigure is one engine × phase × concurrency: medians over the runs.
type HISFigure struct {
	Engine      string  `json:"engine"` // sqlite, postgres
	Phase       string  `json:"phase"`  // visit: 2201+2204+2207 per visit; settle: 2207 alone on visits prepared beforehand
	Concurrency int     `json:"concurrency"`
	PerSecond   float64 `json:"settlements_per_s"` // settlements (= visits in phase visit) per second
	Settle      Lat     `json:"settle_ms"`         // the 2207 call
	Visit       *Lat    `json:"visit_ms,omitempty"`
	CPUms       float64 `json:"cpu_ms"` // CPU time of this process (server and HIS clients) per settlement
	// ServerCPUms is the CPU time per settlement of the PostgreSQL backends
	// serving the database
	// (0: SQLite, or the server is not on this machine; pgcpu.go).
	ServerCPUms float64   `json:"server_cpu_ms,omitempty"`
	Count       int       `json:"count"`  // settlements in the median run
	Errors      int       `json:"errors"` // failed calls over all runs
	RunsPerS    []float64 `json:"runs_per_s"`
}

// Lat are latency percentiles in milliseconds.
type Lat struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// server is the HIS interface on 127.0.0.1:0 over one database.
type server struct {
	d       *db.DB
	srv     *http.Server
	url     string
	clients []*his.Client // township, county, city
	hc      *http.Client
}

// startServer serves d's HIS interface exactly as `ncms serve` mounts it
// (server.HIS at his.Prefix: screening hook included, request log
// formatted but discarded) on a loopback port.
func startServer(d *db.DB, c *county) (*server, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle(his.Prefix+"/", ncmsserver.HIS(d, log, c.key))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{d: d, url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() { _ = s.srv.Serve(ln) }()
	s.hc = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512,
		IdleConnTimeout: time.Minute, DisableCompression: true}}
	for _, in := range c.sb.Institutions {
		s.clients = append(s.clients, &his.Client{BaseURL: s.url, Code: in.FixmedinsCode, Name: in.FixmedinsName,
			Area: c.sb.MdtrtareaAdmvs, PaasID: in.PaasID, Secret: in.Secret, HTTP: s.hc})
	}
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.hc.CloseIdleConnections()
}

// runHIS builds a scratch county on dsn and measures every phase and
// concurrency opt.Runs times.
func runHIS(ctx context.Context, opt Options, engine, dsn string) ([]HISFigure, error) {
	fmt.Fprintf(opt.Log, "%s: scratch county with %d persons\n", engine, opt.Persons)
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	c, err := newCounty(ctx, d, opt)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(d, c)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	l := &load{opt: opt, srv: srv, c: c, day: time.Now().In(his.China).Format("2006-01-02"), pg: pgDSN(engine, dsn)}
	// warm up: connections, caches, the scheme parse
	if _, err := l.phase(ctx, "visit", 4, opt.Duration/5+100*time.Millisecond); err != nil {
		return nil, err
	}
	if d.Dialect() == db.Postgres {
		// Statistics on the warmed-up county, as autovacuum would have them
		// on a production server (the CI machine's server runs with
		// autovacuum off; without statistics the planner guesses).
		if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
			return nil, err
		}
	}
	var out []HISFigure
	for _, phase := range []string{"visit", "settle"} {
		for _, conc := range opt.Concurrency {
			var runs []*phaseResult
			for r := 0; r < opt.Runs; r++ {
				res, err := l.phase(ctx, phase, conc, opt.Duration)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(opt.Log, "%s %s c=%d run %d: %.0f settlements/s, 2207 p50 %.1f ms p99 %.1f ms (%d errors)\n",
					engine, phase, conc, r+1, res.perSecond(), ms(res.settle.pct(0.5)), ms(res.settle.pct(0.99)), res.errors)
				runs = append(runs, res)
			}
			out = append(out, summarize(engine, phase, conc, runs))
		}
	}
	return out, nil
}

// pgDSN is dsn on PostgreSQL, else empty.
func pgDSN(engine, dsn string) string {
	if engine == "postgres" {
		return dsn
	}
	return ""
}

// load drives the HIS interface.
type load struct {
	opt Options
	srv *server
	c   *county
	day string
	seq atomic.Int64 // ipt_otp_no
	pg  string       // on PostgreSQL, the DSN: the backends' CPU is measured too
}

// phaseResult is one timed phase.
type phaseResult struct {
	elapsed time.Duration
	cpu     time.Duration // user + system time of the process
	server  time.Duration // the local PostgreSQL server's CPU time (0: not measured)
	count   int
	errors  int
	settle  durations
	visit   durations
}

func (r *phaseResult) perSecond() float64 { return float64(r.count) / r.elapsed.Seconds() }

// phase runs conc workers for d. Phase "visit": each worker does whole
// visits. Phase "settle": the visits are registered and uploaded first
// (untimed, as many as the visit phase would settle in d, estimated by a
// short trial), then the workers only settle them.
func (l *load) phase(ctx context.Context, phase string, conc int, d time.Duration) (*phaseResult, error) {
	var queue chan prepared
	if phase == "settle" {
		trial, err := l.phase(ctx, "visit", conc, d/10+50*time.Millisecond)
		if err != nil {
			return nil, err
		}
		n := int(trial.perSecond()*d.Seconds()*3.5) + conc + 10
		queue = make(chan prepared, n)
		if err := l.prepare(ctx, conc, n, queue); err != nil {
			return nil, err
		}
		close(queue)
	}
	res := &phaseResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	cpu0 := cpuTime()
	var sampler *cpuSampler
	if l.pg != "" {
		sampler = sampleServerCPU(l.pg)
	}
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			var set, vis durations
			n, errs := 0, 0
			var werr error
			for time.Now().Before(deadline) && ctx.Err() == nil {
				var p prepared
				t0 := time.Now()
				if queue != nil {
					var ok bool
					if p, ok = <-queue; !ok {
						break
					}
				} else {
					var err error
					if p, err = l.open(ctx, l.srv.clients[0], l.person(rng)); err != nil {
						errs++
						werr = err
						continue
					}
				}
				t1 := time.Now()
				if err := l.settle(ctx, p); err != nil {
					errs++
					werr = err
					continue
				}
				t2 := time.Now()
				set = append(set, t2.Sub(t1))
				if queue == nil {
					vis = append(vis, t2.Sub(t0))
				}
				n++
			}
			mu.Lock()
			res.count += n
			res.errors += errs
			res.settle = append(res.settle, set...)
			res.visit = append(res.visit, vis...)
			if werr != nil && firstErr == nil {
				firstErr = werr
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuTime() - cpu0
	res.server, _ = sampler.end()
	res.settle.sort()
	res.visit.sort()
	if res.count == 0 && firstErr != nil {
		return nil, firstErr
	}
	if firstErr != nil {
		fmt.Fprintf(l.opt.Log, "  first error: %v\n", firstErr)
	}
	return res, ctx.Err()
}

// prepared is a registered visit with its lines uploaded.
type prepared struct {
	client *his.Client
	visit  string
	psn    string
	total  string // the bill's total (medfee_sumamt)
}

// prepare registers and uploads n visits with conc workers into queue.
func (l *load) prepare(ctx context.Context, conc, n int, queue chan<- prepared) error {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errc := make(chan error, conc)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for left.Add(-1) >= 0 {
				p, err := l.open(ctx, l.srv.clients[0], l.person(rng))
				if err != nil {
					errc <- err
					return
				}
				queue <- p
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// person picks the person of the next visit: a hot one with HotShare.
func (l *load) person(rng *rand.Rand) int64 {
	ps := l.c.persons
	hot := min(l.opt.HotPersons, len(ps))
	if rng.Float64() < l.opt.HotShare {
		return ps[rng.IntN(hot)]
	}
	return ps[rng.IntN(len(ps))]
}

// open registers an outpatient visit (2201) and uploads four lines (2204).
func (l *load) open(ctx context.Context, c *his.Client, person int64) (prepared, error) {
	psn := strconv.FormatInt(person, 10)
	otp := "BENCH" + strconv.FormatInt(l.seq.Add(1), 10)
	reg, err := call(ctx, c, "2201", map[string]any{"data": map[string]any{"psn_no": psn, "insutype": "390",
		"begntime": l.day + " 09:00:00", "mdtrt_cert_type": "02", "mdtrt_cert_no": "", "ipt_otp_no": otp, "atddr_no": "D01",
		"dr_name": "刘医生", "dept_code": "A03", "dept_name": "内科", "caty": "A03"}})
	if err != nil {
		return prepared{}, err
	}
	var out struct {
		Data struct {
			MdtrtID string `json:"mdtrt_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(reg, &out); err != nil || out.Data.MdtrtID == "" {
		return prepared{}, fmt.Errorf("2201: no mdtrt_id in %s", reg)
	}
	v := out.Data.MdtrtID
	// The quantity of one drug varies with the visit (1–60 × 0.25, within the large-prescription limit of 60 units), so a
	// person's visits of one day are not identical bills: identical bills
	// are what the duplicate-bill screening rule flags, and a benchmark of
	// nothing but fraud would measure case opening, not settlement.
	n := 1 + l.seq.Load()%60
	amox := money.Fen(n * 25)
	total := money.Fen(9200) + amox
	lines := []any{l.line("1", v, "S110200001", "1", "10", "10.00"), l.line("2", v, "XJ01CAA040A001010101445", strconv.FormatInt(n, 10), "0.25", amox.String()),
		l.line("3", v, "XJ01DDA080A001010101445", "10", "3.2", "32.00"), l.line("4", v, "ZC99ZZZ0001010100001", "1", "50", "50")}
	// The class C item carries the patient's signed consent (hosp_appr_flag
	// 1), as a hospital's bill does; without it every settlement would open
	// a "class C without consent" case.
	lines[3].(map[string]any)["hosp_appr_flag"] = "1"
	if _, err := call(ctx, c, "2204", map[string]any{"feedetail": lines}); err != nil {
		return prepared{}, err
	}
	return prepared{client: c, visit: v, psn: psn, total: total.String()}, nil
}

func (l *load) line(sn, visit, code, cnt, pric, total string) map[string]any {
	return map[string]any{"feedetl_sn": sn, "mdtrt_id": visit, "psn_no": "", "chrg_bchno": "B1", "fee_ocur_time": l.day + " 09:30:00",
		"med_list_codg": code, "medins_list_codg": code, "det_item_fee_sumamt": json.Number(total), "cnt": json.Number(cnt),
		"pric": json.Number(pric), "hosp_appr_flag": "0"}
}

// settle settles the visit (2207) for the lines' total.
func (l *load) settle(ctx context.Context, p prepared) error {
	_, err := call(ctx, p.client, "2207", map[string]any{"data": map[string]any{"psn_no": p.psn, "mdtrt_cert_type": "02",
		"mdtrt_cert_no": "", "med_type": "11", "medfee_sumamt": json.Number(p.total), "psn_setlway": "01", "mdtrt_id": p.visit,
		"chrg_bchno": "B1", "acct_used_flag": "0", "insutype": "390", "invono": "INV" + p.visit}})
	return err
}

// call sends infno and returns the output, or an error unless infcode is 0.
func call(ctx context.Context, c *his.Client, infno string, input any) (json.RawMessage, error) {
	r, err := c.Call(ctx, infno, input)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", infno, err)
	}
	if r.Status != http.StatusOK || r.InfCode != 0 {
		return nil, fmt.Errorf("%s: HTTP %d infcode %d: %s", infno, r.Status, r.InfCode, r.ErrMsg)
	}
	return r.Output, nil
}

// summarize takes the run with the median throughput for the counts and
// the medians of each figure over the runs.
func summarize(engine, phase string, conc int, runs []*phaseResult) HISFigure {
	f := HISFigure{Engine: engine, Phase: phase, Concurrency: conc}
	var rates, cpus, servers, p50, p95, p99, v50, v95, v99 []float64
	for _, r := range runs {
		rates = append(rates, r.perSecond())
		if r.count > 0 {
			cpus = append(cpus, ms(r.cpu)/float64(r.count))
			if r.server > 0 {
				servers = append(servers, ms(r.server)/float64(r.count))
			}
		}
		f.Errors += r.errors
		r.settle.sort()
		p50, p95, p99 = append(p50, ms(r.settle.pct(.5))), append(p95, ms(r.settle.pct(.95))), append(p99, ms(r.settle.pct(.99)))
		if len(r.visit) > 0 {
			r.visit.sort()
			v50, v95, v99 = append(v50, ms(r.visit.pct(.5))), append(v95, ms(r.visit.pct(.95))), append(v99, ms(r.visit.pct(.99)))
		}
	}
	f.RunsPerS = rates
	f.PerSecond = median(rates)
	f.CPUms = median(cpus)
	if len(servers) > 0 {
		f.ServerCPUms = median(servers)
	}
	f.Count = runs[medianIndex(rates)].count
	f.Settle = Lat{median(p50), median(p95), median(p99)}
	if len(v50) > 0 {
		f.Visit = &Lat{median(v50), median(v95), median(v99)}
	}
	return f
}
