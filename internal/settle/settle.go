// Package settle is real-time settlement at the institution (SPEC §6.2):
// visits (outpatient registration, admission, discharge, cancel), fee lines
// (upload with catalogue lookup and the engine's split, revoke, refund),
// pre-settlement, settlement and reversal, with the person's (and
// household's) year-to-date totals updated in the same transaction.
//
// Exactness: settlements of one person are serialized by the person's YTD
// row (locked with an upsert on PostgreSQL; SQLite write transactions are
// exclusive), and the engine runs inside that transaction on the locked
// totals. Idempotency: an operation carrying a MsgID is recorded in
// settle_messages (institution, msgid) in the same transaction as its
// effect; a retry gets the stored answer and changes nothing, and 2601
// (Compensate) undoes an earlier message. See docs/architecture.md
// "Settlement service".
package settle

import (
	"context"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/institution"
	"ncms/internal/schemestore"
)

// China is the time zone settlement days are counted in.
var China = time.FixedZone("CST", 8*3600)

// CoverageInfo is the answer of a coverage query.
type CoverageInfo struct {
	Covered  bool
	Tier     int
	From, To civil.Date // enrollment in force (after any waiting period)
	Zh, En   string     // why not, when !Covered
}

// Coverage answers "is person P covered on day D, and in which tier"
// (internal/enroll provides it; see enroll.CoverageOf).
type Coverage interface {
	CoveredOn(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverageInfo, error)
}

// CoverageFunc adapts a function to Coverage.
type CoverageFunc func(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverageInfo, error)

// CoveredOn calls f.
func (f CoverageFunc) CoveredOn(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverageInfo, error) {
	return f(ctx, q, personID, d)
}

// Options are the dependencies of a Service.
type Options struct {
	Coverage Coverage           // default EnrollCoverage
	Schemes  *schemestore.Store // default: schemestore.New(d)
	Now      func() time.Time   // default time.Now
	NoTrace  bool               // leave the engine trace out of stored results (benchmarks only)
	Screen   Screen             // supervision's hook (screen.go); nil: off
}

// Service is the settlement service. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	coverage Coverage
	schemes  *schemestore.Store
	now      func() time.Time
	trace    bool
	screen   Screen
}

// New returns a settlement service over d.
func New(d *db.DB, opt Options) *Service {
	s := &Service{db: d, coverage: opt.Coverage, schemes: opt.Schemes, now: opt.Now, trace: !opt.NoTrace, screen: opt.Screen}
	if s.coverage == nil {
		s.coverage = EnrollCoverage
	}
	if s.schemes == nil {
		s.schemes = schemestore.New(d)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Schemes returns the scheme store the service uses.
func (s *Service) Schemes() *schemestore.Store { return s.schemes }

// Errors callers can tell apart by code.
var (
	errNoActor          = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")
	errNotInstitution   = apperr.New(apperr.Forbidden, "not_institution", "仅定点医疗机构可办理结算业务", "only a designated institution may do this")
	errVisitNotFound    = apperr.New(apperr.NotFound, "visit_not_found", "未找到就诊记录(mdtrt_id)", "visit (mdtrt_id) not found")
	errSetlNotFound     = apperr.New(apperr.NotFound, "settlement_not_found", "未找到结算记录(setl_id)", "settlement (setl_id) not found")
	errPersonNotFound   = apperr.New(apperr.NotFound, "person_not_found", "未找到参合人员(psn_no)", "person (psn_no) not found")
	errVisitClosed      = apperr.New(apperr.Conflict, "visit_closed", "就诊已撤销或已出院,不能办理该业务", "the visit is cancelled or discharged")
	errNoLines          = apperr.New(apperr.Conflict, "no_lines", "没有未结算的费用明细", "no unsettled fee lines")
	errHasSettled       = apperr.New(apperr.Conflict, "has_settled", "已有结算,请先撤销结算", "the visit has settled lines: reverse the settlement first")
	errAlreadyReversed  = apperr.New(apperr.Conflict, "already_reversed", "该结算已撤销", "the settlement has already been reversed")
	errNotDischarged    = apperr.New(apperr.Conflict, "not_discharged", "住院尚未办理出院,不能结算", "the admission has not been discharged")
	errInstitutionState = apperr.New(apperr.Forbidden, "institution_suspended", "医疗机构已暂停或退出,不能办理结算", "the institution is suspended or withdrawn")
)

// institutionOf returns the actor's institution, refusing other scopes and
// suspended or withdrawn institutions.
func (s *Service) institutionOf(ctx context.Context) (institution.Institution, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return institution.Institution{}, errNoActor
	}
	if !a.Scope.IsInstitution() {
		return institution.Institution{}, errNotInstitution
	}
	in, ok := ctx.Value(verifiedKey{}).(institution.Institution)
	if !ok || in.ID != a.Scope.InstitutionID {
		var err error
		if in, err = institution.Load(ctx, s.db, a.Scope.InstitutionID); err != nil {
			return in, err
		}
	}
	if !in.Active() {
		return in, errInstitutionState
	}
	return in, nil
}

type verifiedKey struct{}

// WithInstitution tells the service that the request's institution was
// read from the database and authenticated during this request (the HIS
// adapter's signature check reads the row and refuses a suspended or
// withdrawn institution): institutionOf uses it instead of reading the row
// again. It is the row as of this request, never a cached copy, so a
// status change takes effect with the next request.
func WithInstitution(ctx context.Context, in institution.Institution) context.Context {
	return context.WithValue(ctx, verifiedKey{}, in)
}

// today is the settlement day in China.
func (s *Service) today() civil.Date { return civil.Of(s.now().In(China)) }

// stamp is the current instant as stored.
func (s *Service) stamp() string { return db.Timestamp(s.now()) }
