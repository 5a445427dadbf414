// Package claims is manual reimbursement (零星报销, SPEC §8): a bill the
// patient paid in full — out of the county, at a non-networked institution,
// or a special case — is filed at the township office or the county center
// with its documents, entered line by line against the catalogue, reviewed
// in stages by different people, computed by the settlement engine with the
// same scheme and year-to-date totals as a real-time settlement
// (settle.SettleClaim), and paid to the person by bank transfer through the
// monthly bank batch (ListPayable, MarkPaid).
//
// Stages. An ordinary claim: entry → first review → second review. A
// special case (accidental injury, or flagged at entry): entry → village
// investigation → township review → county approval. No user performs two
// steps of one claim (enforced by a unique key on claim_steps). Every step
// records who, when, the decision and the reason; a rejection needs a reason
// code and a reason. See docs/claims.md.
package claims

import (
	"context"
	"strconv"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// China is the time zone filing and approval days are counted in.
var China = time.FixedZone("CST", 8*3600)

// Stage is a step of review, or a claim's state after the last one.
type Stage string

// The stages. A claim's Stage is the step awaited next (or its outcome).
const (
	Entry        Stage = "entry"         // filed and entered by a clerk
	FirstReview  Stage = "first_review"  // 初审
	SecondReview Stage = "second_review" // 复审 (final for an ordinary claim)
	Village      Stage = "village"       // 村委会调查 (special cases)
	Township     Stage = "township"      // 乡镇审核
	County       Stage = "county"        // 县级审批 (final for a special case)
	Approved     Stage = "approved"      // computed, awaiting the bank batch
	Paid         Stage = "paid"
	Rejected     Stage = "rejected"
)

// ReviewStages lists the stages awaiting a review decision, in order.
var ReviewStages = []Stage{FirstReview, SecondReview, Village, Township, County}

// Label returns the stage's Chinese and English names.
func (s Stage) Label() (zh, en string) {
	switch s {
	case Entry:
		return "受理录入", "Entry"
	case FirstReview:
		return "初审", "First review"
	case SecondReview:
		return "复审", "Second review"
	case Village:
		return "村委会调查", "Village investigation"
	case Township:
		return "乡镇审核", "Township review"
	case County:
		return "县级审批", "County approval"
	case Approved:
		return "已审批待支付", "Approved, awaiting payment"
	case Paid:
		return "已支付", "Paid"
	case Rejected:
		return "已拒付", "Rejected"
	}
	return string(s), string(s)
}

// Valid reports whether s is a stage.
func (s Stage) Valid() bool {
	switch s {
	case Entry, FirstReview, SecondReview, Village, Township, County, Approved, Paid, Rejected:
		return true
	}
	return false
}

// next returns the stage after approving s.
func (s Stage) next() Stage {
	switch s {
	case FirstReview:
		return SecondReview
	case Village:
		return Township
	case Township:
		return County
	}
	return Approved // SecondReview, County
}

// Options are the dependencies of a Service.
type Options struct {
	Settle *settle.Service  // the settlement service (engine, schemes, YTD); default settle.New(d, {})
	Now    func() time.Time // default time.Now
}

// Service is the manual reimbursement service. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	settle *settle.Service
	now    func() time.Time
}

// New returns a claims service over d.
func New(d *db.DB, opt Options) *Service {
	s := &Service{db: d, settle: opt.Settle, now: opt.Now}
	if s.settle == nil {
		s.settle = settle.New(d, settle.Options{})
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Claim is a filed claim with its lines, steps and (once approved) amounts.
type Claim struct {
	ID            int64          `json:"id"`
	PersonID      int64          `json:"psn_no"`
	PersonName    string         `json:"psn_name"`
	IDMasked      string         `json:"certno_masked"`
	HouseholdID   int64          `json:"household_id"`
	AreaPath      string         `json:"-"`
	AreaName      string         `json:"area_name"`
	InstitutionID int64          `json:"institution_id"`
	Institution   string         `json:"institution_name"`
	MedType       string         `json:"med_type"`
	ClrType       string         `json:"clr_type"`
	Begin         civil.Date     `json:"begntime"`
	End           civil.Date     `json:"endtime"`
	Diagnoses     []string       `json:"diagnoses"`
	Referral      bool           `json:"referral"`
	ThirdParty    bool           `json:"third_party"`
	Special       bool           `json:"special"`
	SpecialReason string         `json:"special_reason,omitempty"`
	Invoice       string         `json:"invono"`
	Documents     []string       `json:"documents"`
	Filed         civil.Date     `json:"filed_date"`
	Deadline      civil.Date     `json:"deadline"`
	PayeeName     string         `json:"payee_name"`
	BankName      string         `json:"bank_name"`
	BankAccountNo string         `json:"bank_account_no"`
	BillTotal     money.Fen      `json:"bill_total"`
	Stage         Stage          `json:"stage"`
	SchemeID      int64          `json:"scheme_id,omitempty"`
	Year          int            `json:"ytd_year,omitempty"`
	Kind          string         `json:"kind,omitempty"`
	Result        *engine.Result `json:"result,omitempty"`
	Approved      civil.Date     `json:"approved_date"`
	BatchRef      string         `json:"batch_ref,omitempty"`
	PaidDate      civil.Date     `json:"paid_date"`
	Lines         []Line         `json:"lines,omitempty"`
	Steps         []Step         `json:"steps,omitempty"`
}

// Amount is what the funds pay the person (0 until approved).
func (c *Claim) Amount() money.Fen {
	if c.Result == nil {
		return 0
	}
	return c.Result.FundTotal
}

// Line is one bill line as filed, with its split.
type Line struct {
	No        string       `json:"line_no"`
	Code      string       `json:"med_list_codg"`
	Name      string       `json:"name"`
	Class     string       `json:"class"`
	Qty       engine.Qty   `json:"cnt"`
	Price     engine.Price `json:"pric"`
	Total     money.Fen    `json:"det_item_fee_sumamt"`
	Date      civil.Date   `json:"fee_ocur_time"`
	FullOwn   money.Fen    `json:"fulamt_ownpay_amt"`
	OverLimit money.Fen    `json:"overlmt_amt"`
	FirstSelf money.Fen    `json:"preselfpay_amt"`
	InScope   money.Fen    `json:"inscp_scp_amt"`
	Reason    string       `json:"memo,omitempty"`
}

// Step is one recorded step of a claim.
type Step struct {
	Step       Stage     `json:"step"`
	Decision   string    `json:"decision"` // filed, approved, rejected
	ReasonCode string    `json:"reason_code,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Username   string    `json:"username"`
	Role       string    `json:"role"`
	At         time.Time `json:"at"`
}

// Errors callers can tell apart by code.
var (
	errNoActor       = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")
	errNotFound      = apperr.New(apperr.NotFound, "claim_not_found", "未找到报销申请", "claim not found")
	errPersonMissing = apperr.New(apperr.NotFound, "person_not_found", "未找到参合人员(或不在您的辖区)", "person not found (or outside your scope)")
	errSameUser      = apperr.New(apperr.Forbidden, "same_user", "同一人不能办理同一报销申请的两个环节", "the same user may not perform two steps of one claim")
)

func actorOf(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	return a, nil
}

// actorKey identifies the person behind a step: the user id, else the login.
func actorKey(a access.Actor) string {
	if a.UserID != 0 {
		return "u:" + strconv.FormatInt(a.UserID, 10)
	}
	return "n:" + a.Username
}

// countyWide reports whether the scope is the whole county (the root area,
// "/<id>/"), or the system's "/".
func countyWide(sc access.Scope) bool {
	return sc.AreaPath != "" && strings.Count(sc.AreaPath, "/") <= 2
}

// today is the day in China.
func (s *Service) today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }
