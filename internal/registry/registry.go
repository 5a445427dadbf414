// Package registry keeps the county's register (SPEC §3): the area tree
// (county → township → village → group), households with their head and
// address, and the people in them with their ID numbers, categories and life
// events. It also keeps lists imported from other insurance schemes and
// reports people enrolled in both.
//
// Every method takes the context first and reads the access.Actor from it:
// reads are filtered by the actor's scope (a record outside it is not found,
// never forbidden), and writes are checked against scope and role and
// recorded in the audit trail in the same transaction. Errors a user can
// cause are *apperr.Error with field names.
package registry

import (
	"context"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// Service is the registry over one database.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// Options configure a Service. The zero value is fine.
type Options struct {
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
}

// New returns a registry service over d.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{db: d, now: opt.Now}
}

// DB returns the database the service works on (for the import, which runs
// its own transaction and calls the *Tx methods).
func (s *Service) DB() *db.DB { return s.db }

// China is the time zone in which "today" is reckoned (UTC+8, no DST).
var China = time.FixedZone("CST", 8*3600)

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }

// errNoActor is returned when a context carries no actor: a programming
// error in the adapter, but reported as "not logged in" rather than a 500.
var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// actorOf returns the actor in ctx.
func actorOf(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return access.Actor{}, errNoActor
	}
	return a, nil
}

// writer returns the actor in ctx if it may change the register: the
// scheme administrator and the enrollment clerks. Their scope is checked
// per record.
func writer(ctx context.Context) (access.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(access.Admin, access.Enrollment) {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权修改登记信息", "not allowed to change the register")
	}
	return a, nil
}

// likeEscape escapes s for use inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Page asks for one page of a list.
type Page struct {
	Limit  int // default 20, at most 200
	Offset int
}

func (p Page) norm() Page {
	if p.Limit <= 0 {
		p.Limit = 20
	}
	if p.Limit > 200 {
		p.Limit = 200
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// notFound errors for the records of this package.
var (
	errAreaNotFound      = apperr.New(apperr.NotFound, "area_not_found", "未找到该地区", "area not found")
	errHouseholdNotFound = apperr.New(apperr.NotFound, "household_not_found", "未找到该户", "household not found")
	errPersonNotFound    = apperr.New(apperr.NotFound, "person_not_found", "未找到该人员", "person not found")
)
