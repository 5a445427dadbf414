// Package stats computes the statistics and indicators of SPEC §12 — for a
// period (month, quarter, year, custom range), by county, township,
// village, institution, institution level or visit kind, with the same
// period of the year before — and lays them out as the named county
// statistical tables of docs/stats.md (JSON, CSV, Excel, HTML).
//
// Every figure is a documented function (indicators.go) of a few sums
// (Facts) that one SQL aggregate per source computes (facts.go):
// real-time settlements (reversals count negative, on their own date) and
// approved manual claims (on their approval date), each joined to the
// patient's registry row for the area and the person's categories;
// enrollments, persons and households for the denominators; and, for the
// county as a whole, the fund report of internal/fund (raised, usable,
// monthly plan), so that fund utilization here and on the fund report are
// the same number. Every cell can be drilled down to the settlements and
// claims behind it (Records).
//
// Reads are scoped: a township user sees only the township (patients living
// there); county-wide fund figures are shown only to county-wide users.
package stats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// ReadRoles may read statistics (SPEC §2: county staff, the township office
// for its township, the auditor).
var ReadRoles = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance,
	access.Inspector, access.Director, access.Auditor}

// Service computes statistics over one database.
type Service struct {
	db     *db.DB
	now    func() time.Time
	direct bool
}

// New returns a statistics service over d: settlement sums come from the
// rollup (rollup.go), brought up to date at report time when a day has
// closed since its last refresh.
func New(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// Options configure a service (NewWith).
type Options struct {
	Now    func() time.Time // the clock that decides which days are closed (default time.Now)
	Direct bool             // read every settlement, no rollup: the reference computation
}

// NewWith returns a statistics service with options.
func NewWith(d *db.DB, o Options) *Service {
	s := New(d)
	if o.Now != nil {
		s.now = o.Now
	}
	s.direct = o.Direct
	return s
}

// Period is a range of days [From, To] inside scheme year Year (the year
// whose enrollees are the denominators).
type Period struct {
	Year     int        `json:"year"`
	From, To civil.Date `json:"-"`
	Kind     string     `json:"kind"` // year, quarter, month, custom
	N        int        `json:"n"`    // the month or quarter
}

// Year is the calendar year y.
func Year(y int) Period {
	return Period{Year: y, From: civil.New(y, 1, 1), To: civil.New(y, 12, 31), Kind: "year"}
}

// Month is month m of year y.
func Month(y, m int) Period {
	from := civil.New(y, time.Month(m), 1)
	return Period{Year: y, From: from, To: civil.New(y, time.Month(m)+1, 0), Kind: "month", N: m}
}

// Quarter is quarter q (1–4) of year y.
func Quarter(y, q int) Period {
	return Period{Year: y, From: civil.New(y, time.Month(3*q-2), 1), To: civil.New(y, time.Month(3*q)+1, 0), Kind: "quarter", N: q}
}

// Custom is the days from..to, counted against scheme year y.
func Custom(y int, from, to civil.Date) Period {
	return Period{Year: y, From: from, To: to, Kind: "custom"}
}

// LastYear is the same period one year earlier (29 Feb becomes 28 Feb).
func (p Period) LastYear() Period {
	back := func(d civil.Date) civil.Date {
		if d.Month == 2 && d.Day == 29 {
			return civil.New(d.Year-1, 2, 28)
		}
		return civil.New(d.Year-1, d.Month, d.Day)
	}
	q := p
	q.Year, q.From, q.To = p.Year-1, back(p.From), back(p.To)
	return q
}

// Months is the number of calendar months the period spans (for the
// monthly spending plan): a full month counts 1, part of a month its share
// of days is ignored — partial months count whole.
func (p Period) Months() int {
	return (p.To.Year-p.From.Year)*12 + int(p.To.Month-p.From.Month) + 1
}

// Label is the period as a county table prints it: "2026年", "2026年第2季度",
// "2026年3月", "2026-01-05至2026-02-10".
func (p Period) Label() string {
	switch p.Kind {
	case "year":
		return fmt.Sprintf("%d年", p.Year)
	case "quarter":
		return fmt.Sprintf("%d年第%d季度", p.Year, p.N)
	case "month":
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	}
	return p.From.String() + "至" + p.To.String()
}

// Check refuses an empty or reversed range.
func (p Period) Check() error {
	if p.From.IsZero() || p.To.IsZero() || p.To.Before(p.From) {
		return apperr.Field("period", "bad_period", "统计期间无效", "invalid period")
	}
	if p.Kind == "month" && (p.N < 1 || p.N > 12) || p.Kind == "quarter" && (p.N < 1 || p.N > 4) {
		return apperr.Field("period", "bad_period", "统计期间无效", "invalid period")
	}
	return nil
}

// Dim is what a table's rows are: the whole scope (""), or its members by
// township, village, institution, institution level, visit kind, or month.
type Dim string

// The dimensions.
const (
	ByNone        Dim = ""
	ByTownship    Dim = "township"
	ByVillage     Dim = "village"
	ByInstitution Dim = "institution"
	ByLevel       Dim = "level"
	ByKind        Dim = "kind"
	ByMonth       Dim = "month"
)

// Dims lists the dimensions a caller may ask for, in display order.
var Dims = []Dim{ByTownship, ByVillage, ByInstitution, ByLevel, ByKind, ByMonth}

// ParseDim reads a dimension ("" is the whole scope).
func ParseDim(s string) (Dim, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "county" {
		return ByNone, nil
	}
	for _, d := range Dims {
		if string(d) == s {
			return d, nil
		}
	}
	return "", apperr.Field("by", "bad_dim", "分组维度无效（township/village/institution/level/kind/month）",
		"unknown dimension (township, village, institution, level, kind, month)")
}

// Label is the dimension's column header.
func (d Dim) Label() (zh, en string) {
	switch d {
	case ByTownship:
		return "乡镇", "Township"
	case ByVillage:
		return "村", "Village"
	case ByInstitution:
		return "医疗机构", "Institution"
	case ByLevel:
		return "机构级别", "Level"
	case ByKind:
		return "就诊类别", "Visit kind"
	case ByMonth:
		return "月份", "Month"
	}
	return "统筹区", "County"
}

// actor returns the caller if it may read statistics over an area.
func actor(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, apperr.New(apperr.Unauthenticated, "unauthenticated", "请先登录", "not signed in")
	}
	if !a.Can(ReadRoles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权查看统计", "not allowed to read statistics")
	}
	return a, nil
}
