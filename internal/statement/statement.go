// Package statement is the monthly settlement with the designated
// institutions (SPEC §9, §10): per institution and month, the fund shares
// it advanced in real-time settlements, the reversals, the deductions for
// violations, the amount withheld under its agreement (the Panyu rule on
// the patients' self-paid share) and any withholding returned at year end
// give the amount payable. A statement is prepared by one user, checked by
// another and approved by a director; approved statements (and approved
// manual claims, through a Source) are paid by a bank batch whose payment
// is recorded in one transaction. Deductions and withholding (at approval),
// payments and the year-end true-up are posted to the fund ledger in the
// same transaction (docs/ledger.md).
//
// Each settlement row is taken by exactly one statement: the first one
// prepared (or refreshed) for that institution after it was settled, for a
// month that does not end before the settlement day. A settlement made
// after a statement was prepared therefore rolls into the next month's
// statement; the primary key of statement_settlements makes double counting
// impossible. See docs/statements.md.
//
// Every write runs in one transaction with its audit row and a
// statement_events row carrying the step's reason.
package statement

import (
	"context"
	"fmt"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// China is the time zone in which days are reckoned.
var China = time.FixedZone("CST", 8*3600)

// Statuses of a statement.
const (
	Draft    = "draft"    // prepared, figures frozen, awaiting check
	Checked  = "checked"  // checked by a second user, awaiting the director
	Approved = "approved" // approved by the director, awaiting a bank batch
	Batched  = "batched"  // in an open bank batch
	Paid     = "paid"     // the bank paid it
	Closed   = "closed"   // approved with nothing to pay (zero, or a negative balance carried forward)
)

// StatusLabel returns a statement status's Chinese and English names.
func StatusLabel(s string) (zh, en string) {
	switch s {
	case Draft:
		return "待复核", "draft"
	case Checked:
		return "待审批", "checked"
	case Approved:
		return "已审批", "approved"
	case Batched:
		return "已制批", "in a bank batch"
	case Paid:
		return "已支付", "paid"
	case Closed:
		return "已结清", "closed"
	}
	return s, s
}

// Service is the statement service. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	now     func() time.Time
	sources map[string]Source
}

// Options are the dependencies of a Service.
type Options struct {
	Now func() time.Time // default time.Now
	// Sources are other kinds of payee items a bank batch may carry (manual
	// claims). Statements are always a source.
	Sources []Source
}

// New returns a statement service over d.
func New(d *db.DB, opt Options) *Service {
	s := &Service{db: d, now: opt.Now, sources: map[string]Source{}}
	if s.now == nil {
		s.now = time.Now
	}
	for _, src := range opt.Sources {
		s.sources[src.Kind()] = src
	}
	return s
}

// DB returns the database the service works on.
func (s *Service) DB() *db.DB { return s.db }

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }

// Period is a calendar month.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads "YYYY-MM".
func ParsePeriod(v string) (Period, error) {
	t, err := time.Parse("2006-01", v)
	if err != nil || len(v) != 7 {
		return Period{}, apperr.Field("period", "period", "月份应为 YYYY-MM", "the month must be YYYY-MM")
	}
	return Period{t.Year(), t.Month()}, nil
}

// PeriodOf returns the month containing d.
func PeriodOf(d civil.Date) Period { return Period{d.Year, d.Month} }

// String returns "YYYY-MM".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// First returns the first day of the month.
func (p Period) First() civil.Date { return civil.New(p.Year, p.Month, 1) }

// Last returns the last day of the month.
func (p Period) Last() civil.Date { return civil.New(p.Year, p.Month+1, 1).AddDays(-1) }

// Next returns the following month.
func (p Period) Next() Period { return PeriodOf(civil.New(p.Year, p.Month+1, 1)) }

// IsZero reports whether p is unset.
func (p Period) IsZero() bool { return p.Year == 0 }

// MarshalText writes "YYYY-MM".
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads "YYYY-MM".
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	*p = v
	return err
}

// Statement is one institution's statement for one month. Identity:
//
//	Payable = Advanced − Reversed − Deducted − Withheld + Returned + Carried
type Statement struct {
	ID              int64      `json:"id"`
	InstitutionID   int64      `json:"institution_id"`
	InstitutionCode string     `json:"fixmedins_code"`
	InstitutionName string     `json:"fixmedins_name"`
	Period          Period     `json:"period"`
	Status          string     `json:"status"`
	Settlements     int        `json:"settlements"`
	Reversals       int        `json:"reversals"`
	Late            int        `json:"late"` // rows settled in an earlier month (after that month's statement)
	Advanced        money.Fen  `json:"advanced"`
	Reversed        money.Fen  `json:"reversed"`
	Basic           money.Fen  `json:"hifp_pay"`
	Catastrophic    money.Fen  `json:"hifmi_pay"`
	Assistance      money.Fen  `json:"maf_pay"`
	Other           money.Fen  `json:"oth_pay"`
	MedFee          money.Fen  `json:"medfee_sumamt"`
	BaseMedFee      money.Fen  `json:"base_medfee"`
	BaseSelfPaid    money.Fen  `json:"base_selfpaid"`
	SelfPayLimit    money.Rate `json:"selfpay_limit"`
	Deducted        money.Fen  `json:"deducted"`
	Withheld        money.Fen  `json:"withheld"`
	Returned        money.Fen  `json:"returned"`
	Carried         money.Fen  `json:"carried"`
	Payable         money.Fen  `json:"payable"`
	Budget          money.Fen  `json:"budget"`
	PaidBefore      money.Fen  `json:"paid_before"`
	PreparedBy      string     `json:"prepared_by"`
	PreparedAt      time.Time  `json:"prepared_at"`
	CheckedBy       string     `json:"checked_by,omitempty"`
	CheckedAt       *time.Time `json:"checked_at,omitempty"`
	ApprovedBy      string     `json:"approved_by,omitempty"`
	ApprovedAt      *time.Time `json:"approved_at,omitempty"`
	RejectReason    string     `json:"reject_reason,omitempty"`
	CarriedInto     int64      `json:"carried_into,omitempty"`
	PaidOn          civil.Date `json:"paid_on"`
	BankRef         string     `json:"bank_ref,omitempty"`
}

// SelfPaidShare is the self-paid share of the base (0 when there is no base).
func (st Statement) SelfPaidShare() money.Rate {
	if st.BaseMedFee <= 0 {
		return 0
	}
	return money.Rate(money.Share(st.BaseSelfPaid, int64(money.Whole), int64(st.BaseMedFee)))
}

// BudgetLeft is the budget minus what was paid before and this statement's
// payable (meaningful only when Budget > 0).
func (st Statement) BudgetLeft() money.Fen { return st.Budget - st.PaidBefore - st.Payable }

// OverBudget reports whether paying this statement goes beyond the budget.
func (st Statement) OverBudget() bool { return st.Budget > 0 && st.BudgetLeft() < 0 }

// Event is one step in a statement's history.
type Event struct {
	Step     string    `json:"step"`
	Status   string    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	At       time.Time `json:"at"`
}

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// ErrNotFound is returned for an unknown statement or one outside scope.
var ErrNotFound = apperr.New(apperr.NotFound, "statement_not_found", "未找到该结算单", "statement not found")

func actorOf(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	return a, nil
}

// need returns the actor if it has one of roles and a county-wide (not
// institution) scope.
func need(ctx context.Context, what string, roles ...access.Role) (access.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权"+what, "not allowed to "+what)
	}
	return a, nil
}

// readers may see every statement; an institution user sees its own.
var readers = []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector}

// readScope returns 0 for a county-wide reader, or the institution the
// actor is bound to.
func readScope(ctx context.Context) (int64, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if a.Scope.IsInstitution() && a.Can(access.Institution) {
		return a.Scope.InstitutionID, nil
	}
	if !a.Can(readers...) || a.Scope.AreaPath == "" {
		return 0, apperr.New(apperr.Forbidden, "forbidden", "无权查看结算单", "not allowed to see statements")
	}
	return 0, nil
}
