// Package county builds the small counties the services' tests run on:
// areas, institutions, catalogue items and persons written as rows into a
// real (migrated) database, a clock the test moves, a coverage table that
// stands in for the enrollment service in packages that do not own it, and
// the actors (contexts) that act in a county or as an institution's HIS.
//
// It is test support: only _test.go files import it. Each package keeps its
// own fixture type for what is particular to it (which scheme, which
// institutions, which helpers) and builds it from these parts.
package county

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/settle"
)

// Stamp is a created_at/updated_at value for rows written now.
func Stamp() string { return db.Timestamp(time.Now()) }

// Clock is a clock the test moves; Now is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at noon (China) of day (YYYY-MM-DD).
func NewClock(day string) *Clock {
	c := &Clock{}
	c.Set(day)
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to noon (China) of day.
func (c *Clock) Set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = civil.MustParse(day).Time().Add(4 * time.Hour) // 12:00 in China
}

// Rows writes a county's rows directly (the services under test read them;
// the registry and institution services have their own tests).
type Rows struct {
	T   testing.TB
	D   *db.DB
	seq int
}

// New returns a Rows writing into d and failing t on error.
func New(t testing.TB, d *db.DB) *Rows { return &Rows{T: t, D: d} }

// Insert runs an INSERT in its own transaction and returns the new id.
func (r *Rows) Insert(q string, args ...any) int64 {
	r.T.Helper()
	var id int64
	err := r.D.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), q, args...)
		return err
	})
	if err != nil {
		r.T.Fatalf("%s: %v", q, err)
	}
	return id
}

// Exec runs a statement outside a transaction.
func (r *Rows) Exec(q string, args ...any) {
	r.T.Helper()
	if _, err := r.D.ExecContext(context.Background(), q, args...); err != nil {
		r.T.Fatalf("%s: %v", q, err)
	}
}

// Count runs a query answering one integer.
func (r *Rows) Count(q string, args ...any) int {
	r.T.Helper()
	var n int
	if err := r.D.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		r.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// Area adds an area under parentPath ("" for the county root) and returns
// its id and materialised path.
func (r *Rows) Area(parentID int64, parentPath, level, code, name string) (int64, string) {
	r.T.Helper()
	var pid any
	if parentID != 0 {
		pid = parentID
	}
	id := r.Insert(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, ?, ?, ?, '', ?)`,
		pid, level, code, name, Stamp())
	p := fmt.Sprintf("%s%d/", parentPath, id)
	if parentPath == "" {
		p = fmt.Sprintf("/%d/", id)
	}
	r.Exec(`UPDATE areas SET path = ? WHERE id = ?`, p, id)
	return id, p
}

// Institution is a designated institution's row.
type Institution struct {
	Code, Name, Level     string
	OutOfCounty           bool   // in_county is FALSE
	NoAgreement           bool   // agreement and networked are FALSE
	Since                 string // status_since, YYYY-MM-DD
	PaasID                string
	BankName, BankAccount string // bank account name is the institution's name
}

// Institution adds an active institution and returns its id.
func (r *Rows) Institution(in Institution) int64 {
	r.T.Helper()
	acctName := ""
	if in.BankAccount != "" {
		acctName = in.Name
	}
	return r.Insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, bank_name,
		bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
		in.Code, in.Name, in.Level, !in.OutOfCounty, !in.NoAgreement, !in.NoAgreement, in.BankName, acctName, in.BankAccount,
		in.Since, in.PaasID, Stamp(), Stamp())
}

// Item is a catalogue entry; Price and PriceCap are in 1/1,000,000 yuan.
type Item struct {
	Code, Name, Kind, Class string
	SelfpayBP               int
	Price, PriceCap         int64
	Levels                  string
	Essential               bool
	ValidFrom               string // YYYY-MM-DD
}

// Items adds catalogue entries; an empty Name is "item CODE", an empty
// Kind is "drug".
func (r *Rows) Items(items ...Item) {
	r.T.Helper()
	for _, it := range items {
		if it.Name == "" {
			it.Name = "item " + it.Code
		}
		if it.Kind == "" {
			it.Kind = "drug"
		}
		r.Insert(`INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, price, price_cap, levels, essential,
			valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.Code, it.Name, it.Kind,
			it.Class, it.SelfpayBP, it.Price, it.PriceCap, it.Levels, it.Essential, it.ValidFrom, Stamp(), Stamp())
	}
}

// Person adds the head of a new household in area (id, path) with a name
// made of surname and a sequence number, and returns the person's id.
func (r *Rows) Person(areaID int64, areaPath, surname, sex string) int64 {
	r.T.Helper()
	r.seq++
	hh := r.Insert(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		fmt.Sprintf("H%06d", r.seq), areaID, areaPath, Stamp(), Stamp())
	return r.Insert(`INSERT INTO persons (household_id, area_path, name, sex, birth_date, relation, created_at, updated_at)
		VALUES (?, ?, ?, ?, '1960-05-01', '户主', ?, ?)`, hh, areaPath, fmt.Sprintf("%s%d", surname, r.seq), sex, Stamp(), Stamp())
}

// Scheme adds the scheme file schemes/name (relative to the repository
// root, found from a package two levels down) and puts it in force.
func Scheme(t testing.TB, s *settle.Service, name string) {
	t.Helper()
	yaml, err := os.ReadFile("../../schemes/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Schemes().Add(System(), name, yaml, civil.Date{}, true); err != nil {
		t.Fatal(err)
	}
}

// System is a context acting as the system actor "test".
func System() context.Context {
	return access.WithActor(context.Background(), access.System("test"))
}

// User is a context acting as username with role over scope.
func User(username string, role access.Role, scope access.Scope) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: username, Role: role, Scope: scope})
}

// HIS is a context acting as the HIS of institution id, named "his:"+key.
func HIS(key string, id int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: "his:" + key, Role: access.Institution,
		Scope: access.Scope{InstitutionID: id}})
}

// Always is a coverage answer covering everyone at tier 1 from from to to.
func Always(from, to string) settle.CoverageFunc {
	ci := settle.CoverageInfo{Covered: true, Tier: 1, From: civil.MustParse(from), To: civil.MustParse(to)}
	return func(context.Context, db.Querier, int64, civil.Date) (settle.CoverageInfo, error) { return ci, nil }
}

// Coverage answers coverage per person from a table the test fills; it
// stands in for the enrollment service in packages that do not own
// enrollment (whose rows and tests are its own).
type Coverage struct {
	mu sync.Mutex
	m  map[int64]settle.CoverageInfo
	// Waiting answers "等待期 / waiting period" for a covered person on a
	// day outside the covered dates (otherwise "未参合 / not enrolled").
	Waiting bool
}

// Cover covers person id at tier from from to to.
func (c *Coverage) Cover(id int64, tier int, from, to string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]settle.CoverageInfo{}
	}
	c.m[id] = settle.CoverageInfo{Covered: true, Tier: tier, From: civil.MustParse(from), To: civil.MustParse(to)}
}

// CoveredOn implements settle.Coverage.
func (c *Coverage) CoveredOn(_ context.Context, _ db.Querier, id int64, d civil.Date) (settle.CoverageInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.m[id]
	if !ok {
		return settle.CoverageInfo{Zh: "未参合", En: "not enrolled"}, nil
	}
	if d.Before(ci.From) || d.After(ci.To) {
		if c.Waiting {
			return settle.CoverageInfo{Zh: "等待期", En: "waiting period"}, nil
		}
		return settle.CoverageInfo{Zh: "未参合", En: "not enrolled"}, nil
	}
	return ci, nil
}

// Must returns a function that fails t on err and otherwise returns v:
// must(svc.Do(ctx, in))(t).
func Must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
