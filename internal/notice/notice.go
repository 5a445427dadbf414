// Package notice publishes what the scheme paid (SPEC §11): the monthly
// three-level compensation notices (三级公示: county, township, village),
// generated from real-time settlements and approved manual claims, reviewed
// by a second person, published for at least seven days and then readable
// by anyone at a public address; the fund's income and spending notices;
// the participant's own lookup; and the messages to participants it puts in
// the outbox (compensation paid, contribution due, notice published).
//
// A notice's rows are a masked snapshot taken when it is generated: a name
// partly hidden (张*明), the township and village, the kind of visit, the
// institution, the day, the total cost and the compensation. No ID number,
// phone number or diagnosis is ever copied into a notice, so no output
// made from one (page, print, Excel) can show them.
package notice

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// China is the time zone days are reckoned in.
var China = time.FixedZone("CST", 8*3600)

// MinDays is the shortest publication window (SPEC §11: at least 7 days).
const MinDays = 7

// Kinds of notice.
const (
	Compensation = "compensation"
	Fund         = "fund"
)

// Statuses of a notice.
const (
	Draft     = "draft"
	Reviewed  = "reviewed"
	Published = "published"
	Withdrawn = "withdrawn"
)

// StatusLabel names a status in Chinese and English.
func StatusLabel(s string) (zh, en string) {
	switch s {
	case Draft:
		return "待审核", "draft"
	case Reviewed:
		return "已审核", "reviewed"
	case Published:
		return "已发布", "published"
	case Withdrawn:
		return "已撤回", "withdrawn"
	}
	return s, s
}

// LevelLabel names an area level in Chinese and English.
func LevelLabel(level string) (zh, en string) {
	switch level {
	case "county":
		return "县级", "county"
	case "township":
		return "乡镇级", "township"
	case "village":
		return "村级", "village"
	}
	return level, level
}

// VisitKindLabel names the kind of visit of a notice row.
func VisitKindLabel(kind string) (zh, en string) {
	switch kind {
	case "outpatient":
		return "门诊", "outpatient"
	case "inpatient":
		return "住院", "inpatient"
	case "claim_outpatient":
		return "门诊(手工报销)", "outpatient (manual claim)"
	case "claim_inpatient":
		return "住院(手工报销)", "inpatient (manual claim)"
	}
	return kind, kind
}

// Notice is a public notice.
type Notice struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Period         string     `json:"period"` // YYYY-MM
	Level          string     `json:"level"`
	AreaID         int64      `json:"area_id"`
	AreaPath       string     `json:"-"`
	AreaName       string     `json:"area_name"`
	Title          string     `json:"title"`
	Status         string     `json:"status"`
	People         int        `json:"people"`
	TotalCost      money.Fen  `json:"total_cost"`
	Compensation   money.Fen  `json:"compensation"`
	Lines          []Line     `json:"lines,omitempty"` // fund notices
	PublishFrom    civil.Date `json:"publish_from,omitzero"`
	PublishTo      civil.Date `json:"publish_to,omitzero"`
	CreatedAt      time.Time  `json:"created_at"`
	CreatedBy      string     `json:"created_by"`
	ReviewedBy     string     `json:"reviewed_by,omitempty"`
	PublishedBy    string     `json:"published_by,omitempty"`
	WithdrawnBy    string     `json:"withdrawn_by,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
}

// ShownOn reports whether the notice is on the public board on day.
func (n Notice) ShownOn(day civil.Date) bool {
	return n.Status == Published && !n.PublishFrom.IsZero() && day.Within(n.PublishFrom, n.PublishTo)
}

// Row is one compensated visit in a compensation notice, already masked.
type Row struct {
	Seq          int        `json:"seq"`
	Name         string     `json:"name"` // masked
	Township     string     `json:"township"`
	Village      string     `json:"village"`
	VisitKind    string     `json:"visit_kind"`
	Institution  string     `json:"institution"`
	VisitDate    civil.Date `json:"visit_date"`
	TotalCost    money.Fen  `json:"total_cost"`
	Compensation money.Fen  `json:"compensation"`
}

// Line is one figure of a fund notice.
type Line struct {
	Group  string    `json:"group"` // income, spending, balance
	Zh     string    `json:"zh"`
	En     string    `json:"en"`
	Amount money.Fen `json:"amount"`
}

// Sum is a subtotal of a notice by the next level down (a county notice by
// township, a township notice by village).
type Sum struct {
	Area         string    `json:"area"`
	People       int       `json:"people"`
	TotalCost    money.Fen `json:"total_cost"`
	Compensation money.Fen `json:"compensation"`
}

// Sums groups rows by the level below the notice's.
func (n Notice) Sums(rows []Row) []Sum {
	var out []Sum
	idx := map[string]int{}
	for _, r := range rows {
		key := r.Township
		switch n.Level {
		case "township":
			key = r.Village
		case "village":
			return nil
		}
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, Sum{Area: key})
		}
		out[i].People++
		out[i].TotalCost += r.TotalCost
		out[i].Compensation += r.Compensation
	}
	return out
}

// MaskName hides part of a name for a public notice: the middle of a
// name of three or more characters (张三明 → 张*明, 欧阳小明 → 欧**明),
// the second character of a two-character name (张三 → 张*).
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// Service runs notices over a database.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New returns the service; now is the clock (nil: time.Now).
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now}
}

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }

// ParsePeriod checks a month "YYYY-MM" and returns its first and last day.
func ParsePeriod(p string) (first, last civil.Date, err error) {
	var y, m int
	if _, e := fmt.Sscanf(p, "%4d-%2d", &y, &m); e != nil || len(p) != 7 || m < 1 || m > 12 || y < 2000 {
		return first, last, apperr.Field("period", "invalid", "月份格式应为 YYYY-MM", "the month must be YYYY-MM")
	}
	first = civil.New(y, time.Month(m), 1)
	return first, civil.New(y, time.Month(m)+1, 1).AddDays(-1), nil
}

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// need returns the actor if it has one of roles and an area scope.
func need(ctx context.Context, what string, roles ...access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	if !a.Can(roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权"+what, "not allowed to "+what)
	}
	return a, nil
}

// Roles for each step.
var (
	// Makers generate notices.
	Makers = []access.Role{access.Admin, access.Finance, access.Reviewer}
	// Checkers review a notice someone else generated.
	Checkers = []access.Role{access.Director, access.Inspector, access.Reviewer, access.Finance}
	// Publishers publish and withdraw.
	Publishers = []access.Role{access.Director, access.Admin}
	// Readers see notices in any status in their scope.
	Readers = []access.Role{access.Admin, access.Finance, access.Reviewer, access.Director, access.Inspector,
		access.Auditor, access.Enrollment, access.Village}
)

// ErrNotFound is a notice that does not exist, is outside the caller's
// scope, or (publicly) is not on the board.
var ErrNotFound = apperr.New(apperr.NotFound, "notice_not_found", "未找到该公示", "notice not found")
