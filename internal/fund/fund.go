// Package fund is the year's fund as a whole (SPEC §9, §12): interest and
// balances brought forward, the year allocation (risk reserve, earmarked
// pools, usable fund, planned monthly spending) and the fund report
// (income by source, spending by layer, kind and level, balance,
// utilization, surplus ratios against their limits, monthly plan against
// actual). Every figure is read from the ledger's postings (internal/ledger),
// so each can be drilled down to them. docs/fund.md describes the figures.
package fund

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// China is the time zone the fund's days are counted in.
var China = time.FixedZone("CST", 8*3600)

// Service records fund events and computes allocations and reports.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New returns the fund service; now may be nil (time.Now).
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now}
}

// Today is the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

// WriteRoles record interest and opening balances and set allocations.
var WriteRoles = []access.Role{access.Admin, access.Finance}

// EventInput records interest credited to the special account, or a
// balance brought forward (opening_balance).
type EventInput struct {
	Year      int        `json:"year"`
	Amount    money.Fen  `json:"amount"` // > 0
	On        civil.Date `json:"on"`
	Reference string     `json:"reference"` // bank slip
	Note      string     `json:"note"`
}

// RecordInterest records interest credited (Dr bank, Cr interest income)
// and returns the ledger entry id.
func (s *Service) RecordInterest(ctx context.Context, in EventInput) (int64, error) {
	return s.record(ctx, ledger.EvInterest, in)
}

// RecordOpening records a balance brought forward from before the system
// (Dr bank, Cr pooled fund) and returns the ledger entry id.
func (s *Service) RecordOpening(ctx context.Context, in EventInput) (int64, error) {
	return s.record(ctx, ledger.EvOpening, in)
}

func (s *Service) record(ctx context.Context, kind ledger.EventKind, in EventInput) (int64, error) {
	in.Reference, in.Note = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	var c apperr.Collector
	if in.Year < 2000 || in.Year > 2200 {
		c.AddField("year", "bad_year", "请填写年度", "give the scheme year")
	}
	if in.Amount <= 0 {
		c.AddField("amount", "not_positive", "金额应大于0", "amount must be positive")
	}
	if in.On.IsZero() {
		c.AddField("on", "required", "请填写日期", "the date is required")
	} else if in.On.After(s.Today()) {
		c.AddField("on", "future", "日期不能晚于今天", "the date cannot be in the future")
	}
	if err := c.Err(); err != nil {
		return 0, err
	}
	var entry int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := ledger.Authorize(ctx, WriteRoles...)
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO fund_events (year, kind, amount, on_date, reference, note, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.Year, string(kind), int64(in.Amount), in.On, in.Reference, in.Note,
			db.Timestamp(s.now()), act.Username)
		if err != nil {
			return err
		}
		memo := strings.TrimSpace(in.Reference + " " + in.Note)
		e := ledger.ForInterest(in.Year, in.On, id, in.Amount, memo)
		if kind == ledger.EvOpening {
			e = ledger.ForOpening(in.Year, in.On, id, in.Amount, memo)
		}
		if entry, err = ledger.Post(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "fund."+string(kind), "fund_event", id, nil, map[string]any{
			"year": in.Year, "amount": in.Amount, "on": in.On.String(), "reference": in.Reference, "entry": entry})
	})
	return entry, err
}

// PoolSpec is an earmarked pool of the year: an amount per enrollee.
type PoolSpec struct {
	Code        string    `json:"code"` // e.g. "outpatient", "catastrophic"
	Name        string    `json:"name"`
	PerEnrollee money.Fen `json:"per_enrollee"`
}

// PoolLine is a pool with its amount for the year.
type PoolLine struct {
	PoolSpec
	Amount money.Fen `json:"amount"` // PerEnrollee × enrollees
}

// Allocation is the year's fund divided (SPEC §9, §12):
//
//	Reserve     = Raised × ReserveRate   (to the fen, half up: the one rounding step)
//	Usable      = Raised − Reserve
//	Pools       = Σ per-enrollee amount × Enrollees (part of Usable)
//	General     = Usable − Pools
//	MonthlyPlan = Usable ÷ 12            (to the fen, half up)
type Allocation struct {
	ID          int64      `json:"id"`
	Year        int        `json:"year"`
	Version     int        `json:"version"`
	ReserveRate money.Rate `json:"reserve_rate_bp"`
	Enrollees   int64      `json:"enrollees"`
	Raised      money.Fen  `json:"raised"`
	Reserve     money.Fen  `json:"reserve"`
	Usable      money.Fen  `json:"usable"`
	Pools       []PoolLine `json:"pools"`
	PoolTotal   money.Fen  `json:"pool_total"`
	General     money.Fen  `json:"general"`
	MonthlyPlan money.Fen  `json:"monthly_plan"`
	EntryID     int64      `json:"entry_id"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
}

// Compute divides a year's fund; it touches no database.
func Compute(raised money.Fen, enrollees int64, rate money.Rate, pools []PoolSpec) Allocation {
	a := Allocation{ReserveRate: rate, Enrollees: enrollees, Raised: raised}
	a.Reserve = raised.MulRate(rate) // rounding: to the fen, half away from zero
	a.Usable = raised - a.Reserve
	for _, p := range pools {
		l := PoolLine{PoolSpec: p, Amount: p.PerEnrollee * money.Fen(enrollees)}
		a.Pools = append(a.Pools, l)
		a.PoolTotal += l.Amount
	}
	a.General = a.Usable - a.PoolTotal
	a.MonthlyPlan = money.Share(a.Usable, 1, 12) // rounding: to the fen, half away from zero
	return a
}

// AllocateInput sets the year's allocation.
type AllocateInput struct {
	Year        int        `json:"year"`
	ReserveRate money.Rate `json:"reserve_rate_bp"` // e.g. 500 = 5%
	Pools       []PoolSpec `json:"pools"`
	On          civil.Date `json:"on"` // zero: today
}

// Allocate divides the year's fund as raised so far (contribution income
// in the ledger, enrollees in force) and posts the risk reserve and pools
// (Dr pooled fund, Cr risk reserve / pools; a later version posts the
// difference from the previous one). It returns the new version.
func (s *Service) Allocate(ctx context.Context, in AllocateInput) (Allocation, error) {
	if err := checkAllocate(in); err != nil {
		return Allocation{}, err
	}
	if in.On.IsZero() {
		in.On = s.Today()
	}
	var out Allocation
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := ledger.Authorize(ctx, WriteRoles...)
		if err != nil {
			return err
		}
		raised, err := Raised(ctx, tx, in.Year)
		if err != nil {
			return err
		}
		n, err := Enrollees(ctx, tx, in.Year)
		if err != nil {
			return err
		}
		prev, err := latestAllocation(ctx, tx, in.Year)
		if err != nil {
			return err
		}
		out = Compute(raised, n, in.ReserveRate, in.Pools)
		out.Year, out.Version, out.CreatedBy = in.Year, prev.Version+1, act.Username
		pools, _ := json.Marshal(out.Pools)
		out.ID, err = tx.InsertID(ctx, `INSERT INTO fund_allocations (year, version, reserve_bp, pools_json, raised, reserve, pooled,
			usable, monthly_plan, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Year, out.Version,
			int64(in.ReserveRate), string(pools), int64(raised), int64(out.Reserve), int64(out.PoolTotal), int64(out.Usable),
			int64(out.MonthlyPlan), db.Timestamp(s.now()), act.Username)
		if err != nil {
			return err
		}
		e := ledger.ForAllocation(in.Year, in.On, out.ID, out.Reserve-prev.Reserve, poolDiff(prev.Pools, out.Pools),
			fmt.Sprintf("%d年度基金分配 v%d", in.Year, out.Version))
		if out.EntryID, err = ledger.PostIfAny(ctx, tx, e); err != nil {
			return err
		}
		if out.EntryID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE fund_allocations SET entry_id = ? WHERE id = ?`, out.EntryID, out.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "fund.allocate", "fund_allocation", out.ID, nil, out)
	})
	return out, err
}

func checkAllocate(in AllocateInput) error {
	var c apperr.Collector
	if in.Year < 2000 || in.Year > 2200 {
		c.AddField("year", "bad_year", "请填写年度", "give the scheme year")
	}
	if in.ReserveRate < 0 || in.ReserveRate > money.Whole {
		c.AddField("reserve_rate", "bad_rate", "风险基金比例应在0到100%之间", "the risk reserve share must be between 0 and 100%")
	}
	seen := map[string]bool{}
	for i, p := range in.Pools {
		f := fmt.Sprintf("pools[%d]", i+1)
		if p.Code == "" || seen[p.Code] {
			c.AddField(f+".code", "bad_pool", "专项基金代码为空或重复", "pool code empty or repeated")
		}
		seen[p.Code] = true
		if p.PerEnrollee < 0 {
			c.AddField(f+".per_enrollee", "negative", "人均金额不能为负", "amount per enrollee cannot be negative")
		}
	}
	return c.Err()
}

// poolDiff returns, per pool code, next − prev (pools dropped go to zero).
func poolDiff(prev, next []PoolLine) []ledger.PoolAmount {
	var out []ledger.PoolAmount
	old := map[string]money.Fen{}
	for _, p := range prev {
		old[p.Code] = p.Amount
	}
	for _, p := range next {
		out = append(out, ledger.PoolAmount{Pool: p.Code, Amount: p.Amount - old[p.Code]})
		delete(old, p.Code)
	}
	for _, p := range prev {
		if amt, ok := old[p.Code]; ok {
			out = append(out, ledger.PoolAmount{Pool: p.Code, Amount: -amt})
		}
	}
	return out
}

// latestAllocation returns the year's latest allocation (zero when none).
func latestAllocation(ctx context.Context, q db.Querier, year int) (Allocation, error) {
	var a Allocation
	var pools, at string
	var rate, raised, reserve, pooled, usable, plan int64
	err := q.QueryRowContext(ctx, `SELECT id, year, version, reserve_bp, pools_json, raised, reserve, pooled, usable, monthly_plan,
		COALESCE(entry_id, 0), created_at, created_by FROM fund_allocations WHERE year = ? ORDER BY version DESC LIMIT 1`, year).
		Scan(&a.ID, &a.Year, &a.Version, &rate, &pools, &raised, &reserve, &pooled, &usable, &plan, &a.EntryID, &at, &a.CreatedBy)
	if db.IsNoRows(err) {
		return Allocation{Year: year}, nil
	}
	if err != nil {
		return a, err
	}
	a.ReserveRate, a.Raised, a.Reserve, a.PoolTotal = money.Rate(rate), money.Fen(raised), money.Fen(reserve), money.Fen(pooled)
	a.Usable, a.MonthlyPlan, a.General = money.Fen(usable), money.Fen(plan), money.Fen(usable-pooled)
	a.CreatedAt, _ = db.ParseTimestamp(at)
	err = json.Unmarshal([]byte(pools), &a.Pools)
	return a, err
}

// Raised is the year's contribution income in the ledger (all sources,
// net of cancellations).
func Raised(ctx context.Context, q db.Querier, year int) (money.Fen, error) {
	d, c, err := ledger.Sum(ctx, q, ledger.Filter{Year: year, Account: ledger.ContributionIncome})
	return c - d, err
}

// Enrollees counts the year's enrollments in force.
func Enrollees(ctx context.Context, q db.Querier, year int) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE year = ? AND cancelled_at IS NULL`, year).Scan(&n)
	return n, err
}
