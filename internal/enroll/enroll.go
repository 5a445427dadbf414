// Package enroll runs the yearly enrollment and fund raising of SPEC §4:
// scheme years (benefit period, enrollment window, late waiting days),
// contribution standards by tier and source, enrolling whole households with
// a numbered receipt, civil affairs paying the individual share for
// subsidized categories, cancellation by reversing entries, receivables and
// arrivals per source, and the coverage question settlement asks: "is this
// person covered on day D, and in which tier".
//
// Money rows are immutable and are what the ledger posts from:
//
//   - contributions: the amount due per enrolled person and source
//     (individual, a government level, or civil_affairs); reversed by a row
//     with the opposite amount and reverses_id.
//   - contribution_payments: what people paid at the desk, one receipt per
//     enrollment (receipt number YEAR-NNNNNN, gap-free per year); a
//     cancellation is a row with the negative amount refunded and
//     reverses_id pointing at the receipt.
//   - contribution_arrivals: government and civil-affairs money received,
//     in dated installments with the date each was due.
//
// Every method takes the context first and reads the access.Actor from it:
// reads are filtered by the actor's scope (out of scope is not found) and
// every write is audited in its transaction. The decisions — amounts per
// person and payer, coverage dates, coverage on a day — are pure functions
// (Compute, CoverWindow, Decide); the SQL only loads and stores rows.
package enroll

import (
	"context"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// Service is enrollment over one database.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// Options configure a Service. The zero value is fine.
type Options struct {
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
}

// New returns an enrollment service over d.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{db: d, now: opt.Now}
}

// China is the time zone in which "today" is reckoned (UTC+8, no DST).
var China = time.FixedZone("CST", 8*3600)

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// actor returns the actor in ctx if its role is one of roles (any role
// when none are given).
func actor(ctx context.Context, roles ...access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	if len(roles) > 0 && !a.Can(roles...) {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权进行此操作", "not allowed")
	}
	return a, nil
}

// Roles allowed to do each kind of work.
var (
	// AdminRoles set up years, standards and civil-affairs subsidies.
	AdminRoles = []access.Role{access.Admin}
	// DeskRoles enroll households and cancel enrollments.
	DeskRoles = []access.Role{access.Admin, access.Enrollment}
	// FinanceRoles record government and civil-affairs arrivals.
	FinanceRoles = []access.Role{access.Admin, access.Finance}
	// ReadRoles see enrollments, receipts and receivables in their scope.
	ReadRoles = []access.Role{access.Admin, access.Enrollment, access.Finance, access.Director,
		access.Auditor, access.Inspector, access.Reviewer}
)

// Errors of this package's records.
var (
	errYearNotFound       = apperr.New(apperr.NotFound, "year_not_found", "未找到该年度", "scheme year not found")
	errHouseholdNotFound  = apperr.New(apperr.NotFound, "household_not_found", "未找到该户", "household not found")
	errPersonNotFound     = apperr.New(apperr.NotFound, "person_not_found", "未找到该人员", "person not found")
	errPaymentNotFound    = apperr.New(apperr.NotFound, "receipt_not_found", "未找到该收据", "receipt not found")
	errEnrollmentNotFound = apperr.New(apperr.NotFound, "enrollment_not_found", "未找到该参合记录", "enrollment not found")
	errArrivalNotFound    = apperr.New(apperr.NotFound, "arrival_not_found", "未找到该到账记录", "arrival not found")
)

// boolInt stores a bool as 0/1 (an INTEGER column on both engines).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
