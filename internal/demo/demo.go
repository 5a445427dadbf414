// Package demo builds a synthetic county on a fresh database for people
// deciding whether to adopt ncms (`ncms demo`, docs/demo.md): areas,
// households and people, institutions at every level, the layered scheme,
// a year's enrollment, a year of visits settled through the real
// settlement service, manual claims through the staged review, the
// month-ends (statements checked and approved by different users, bank
// batches, arrivals, the fund allocation) and one login per role.
//
// Everything is written through the services, never by inserting rows
// directly, so the demo exercises the same code a county runs. It is
// deterministic for a seed: the same seed and size give the same totals
// (ids and audit timestamps differ; settlement order per household is
// fixed, so year-to-date caps are reached in the same order).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/institution"
	"ncms/internal/money"
)

// China is the time zone of the county's days.
var China = time.FixedZone("CST", 8*3600)

// Options shape the demo county.
type Options struct {
	Seed uint64  // same seed, same county and totals
	Size float64 // 1 = about 50,000 enrollees; 0.1 = 5,000
	// OutpatientShare is the share of the calibrated outpatient visits
	// that are actually settled (the rest would not fit in a minute);
	// 0 means DefaultOutpatientShare, 1 runs them all. Admissions always
	// run at the calibrated rates.
	OutpatientShare float64
	Workers         int             // settlement workers (default 4)
	Key             institution.Key // encrypts the institutions' HIS secrets
	Now             func() time.Time
	// BcryptCost lowers the password hashing cost (tests); 0 = default.
	BcryptCost int
	// Progress, when set, receives one line per finished step.
	Progress io.Writer
	// Settled, when set, is called (on the building goroutine) each time
	// the visits of a month have been settled, with that month: the
	// county is complete through it except for its own month-end.
	Settled func(m time.Month)
}

// DefaultOutpatientShare is the share of calibrated outpatient visits the
// default demo settles (docs/demo.md explains the figure).
const DefaultOutpatientShare = 0.03

// Login is one account the demo created, with its password (shown once).
type Login struct {
	Role     access.Role `json:"role"`
	Username string      `json:"username"`
	Password string      `json:"password"`
	Scope    string      `json:"scope"`
}

// Step is one timed step of the build.
type Step struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
}

// Planted is a fraud pattern put into the visits for the screening rules.
type Planted struct {
	Pattern     string  `json:"pattern"` // impersonation, split_admission, duplicate_bill, cost_growth, phantom_outpatient
	Description string  `json:"description"`
	PersonIDs   []int64 `json:"person_ids,omitempty"`
	Institution string  `json:"institution,omitempty"`
	VisitIDs    []int64 `json:"visit_ids,omitempty"`
}

// Result describes the county built.
type Result struct {
	CountyCode   string         `json:"county_code"`
	CountyName   string         `json:"county_name"`
	Year         int            `json:"year"`
	Today        civil.Date     `json:"today"`
	Townships    int            `json:"townships"`
	Villages     int            `json:"villages"`
	Households   int            `json:"households"`
	Persons      int            `json:"persons"`
	Enrollees    int            `json:"enrollees"`
	EnrolledHH   int            `json:"enrolled_households"`
	Institutions map[string]int `json:"institutions"` // by level
	Visits       int            `json:"visits"`       // settled visits
	Refused      int            `json:"refused"`      // visits the service refused (counted, not fatal)
	Claims       int            `json:"claims"`
	Statements   int            `json:"statements"`
	Notices      int            `json:"notices"` // public notices published
	Planted      []Planted      `json:"planted"`
	Logins       []Login        `json:"logins"`
	Steps        []Step         `json:"steps"`
	Elapsed      time.Duration  `json:"elapsed"`
}

// ErrNotEmpty is returned when the database already holds an installation.
var ErrNotEmpty = errors.New("demo: the database is already initialized; the demo needs a fresh one")

// clock is a settable clock shared by the services of one step.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// at returns 10:00 in China on day d (plus minutes).
func at(d civil.Date, minutes int) time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, 10, 0, 0, 0, China).Add(time.Duration(minutes) * time.Minute)
}

// builder carries the state of one Run.
type builder struct {
	d     *db.DB
	opt   Options
	res   *Result
	clk   *clock
	today civil.Date
	year  int
	ctx   context.Context // system actor
	c     *county
	// claimsPlan are the stays filed by hand (manual claims), by discharge day.
	claimsPlan []visit
	later      []byte                      // the second household file
	due        map[enroll.Source]money.Fen // what each source owes for the year
	closeTime  time.Duration               // time spent in month-end closes
}

// Run builds the demo county on d, which must be freshly migrated and not
// initialized: Start, then Finish.
func Run(ctx context.Context, d *db.DB, opt Options) (*Result, error) {
	bd, err := Start(ctx, d, opt)
	if err != nil {
		return bd.Ready(), err
	}
	return bd.Finish()
}

// Build is a county being built: Start has created the installation, the
// users, institutions, scheme, households and the year's enrollment;
// Finish settles the year of visits and runs the month-ends. Between the
// two the database is a working installation (people can log in and look
// around while Finish runs: `ncms demo` serves the console then).
type Build struct {
	b     *builder
	start time.Time
	ready Result // the result as Start left it
}

// Start builds the county up to and including the enrollment (about a
// fifth of the demo's time): the part without which the console has
// nothing to show. d must be freshly migrated and not initialized.
func Start(ctx context.Context, d *db.DB, opt Options) (*Build, error) {
	if opt.Size <= 0 {
		opt.Size = 1
	}
	if opt.OutpatientShare <= 0 {
		opt.OutpatientShare = DefaultOutpatientShare
	}
	opt.OutpatientShare = min(opt.OutpatientShare, 1)
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	today := civil.Of(opt.Now().In(China))
	b := &builder{d: d, opt: opt, clk: &clock{t: opt.Now()}, today: today, year: today.Year,
		res: &Result{CountyCode: countyCode, CountyName: countyName, Year: today.Year, Today: today, Institutions: map[string]int{}},
		ctx: access.WithActor(ctx, access.System("demo"))}
	bd := &Build{b: b, start: time.Now()}
	if err := bulkWrites(ctx, d, true, 10*time.Second); err != nil {
		return bd, fmt.Errorf("demo: synchronous=OFF for the build: %w", err)
	}
	err := b.run([]step{
		{"county, users, institutions, catalogue, scheme", b.setup},
		{"households and people (registry import)", b.people},
		{"enrollment (township campaigns, desk, late payers)", b.enroll},
		{"people and enrollment read back", b.loadPersons},
		{"planner statistics", b.analyze},
	})
	bd.ready = *b.res
	bd.ready.Elapsed = time.Since(bd.start)
	if err != nil {
		_ = bulkWrites(context.WithoutCancel(ctx), d, false, 5*time.Second)
	}
	return bd, err
}

// Ready returns the result as Start left it (county, institutions,
// enrolled people, logins); safe to call while Finish runs.
func (bd *Build) Ready() *Result {
	r := bd.ready
	return &r
}

// Finish settles the year's visits through the settlement service and runs
// the month-ends; it returns the whole result. Call it once.
func (bd *Build) Finish() (*Result, error) {
	b := bd.b
	err := b.run([]step{{"visits settled (settle service) and month-ends", b.year_}, {"planner statistics", b.analyze}})
	b.res.Elapsed = time.Since(bd.start)
	// Back to the durable mode (bulk.go); best effort while the console
	// may be using connections.
	_ = bulkWrites(context.WithoutCancel(b.ctx), b.d, false, 5*time.Second)
	return b.res, err
}

// analyze gathers PostgreSQL's planner statistics of the tables just
// filled. Autovacuum would in time, but it may be minutes behind (or off):
// without statistics PostgreSQL took the freshly built county's tables for
// empty and planned the console's sums with sorts on disk (seconds for the
// fund-raising page). SQLite's plans do not depend on statistics here
// (the queries are written for its planner without them): nothing to do.
func (b *builder) analyze() error {
	if b.d.Dialect() != db.Postgres {
		return nil
	}
	_, err := b.d.ExecContext(b.ctx, "ANALYZE")
	return err
}

type step struct {
	name string
	fn   func() error
}

// run runs steps in order, timing each; it stops at the first error.
func (b *builder) run(steps []step) error {
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(); err != nil {
			return fmt.Errorf("demo: %s: %w", s.name, err)
		}
		b.step(s.name, time.Since(t))
	}
	return nil
}

func (b *builder) step(name string, d time.Duration) {
	b.res.Steps = append(b.res.Steps, Step{name, d})
	if b.opt.Progress != nil {
		fmt.Fprintf(b.opt.Progress, "  %-52s %6.1f s\n", name, d.Seconds())
	}
}
