// Package access defines who is acting: the roles of SPEC §2, the scope a
// user works in (an area subtree or one institution), and the Actor carried in
// a request's context so that services can filter by scope and the audit trail
// can say who did what from where.
//
// The package is pure: it knows no HTTP and no SQL beyond building a filter
// clause for an area path column.
package access

import (
	"context"
	"strings"
)

// Role is what a user may do (SPEC §2). A user has exactly one role.
type Role string

// The roles of SPEC §2.
const (
	Admin       Role = "admin"       // scheme administrator (county)
	Enrollment  Role = "enrollment"  // enrollment clerk (township)
	Reviewer    Role = "reviewer"    // claims reviewer (county / township)
	Finance     Role = "finance"     // settlement / finance clerk (county)
	Inspector   Role = "inspector"   // supervisor / inspector 稽核
	Director    Role = "director"    // director 主任: final approvals
	Institution Role = "institution" // institution clerk (own institution)
	Village     Role = "village"     // village committee user
	Insurer     Role = "insurer"     // catastrophic-insurance carrier (read its layer)
	Auditor     Role = "auditor"     // read-only everything, including the audit trail
	Participant Role = "participant" // an enrolled farmer looking at own records
)

// Roles lists every role in display order.
var Roles = []Role{Admin, Enrollment, Reviewer, Finance, Inspector, Director, Institution, Village, Insurer, Auditor, Participant}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Label returns the role's Chinese and English names.
func (r Role) Label() (zh, en string) {
	switch r {
	case Admin:
		return "系统管理员", "Scheme administrator"
	case Enrollment:
		return "参合登记员", "Enrollment clerk"
	case Reviewer:
		return "审核员", "Reviewer"
	case Finance:
		return "财务结算员", "Finance clerk"
	case Inspector:
		return "稽核员", "Inspector"
	case Director:
		return "主任", "Director"
	case Institution:
		return "医疗机构操作员", "Institution clerk"
	case Village:
		return "村委会", "Village committee"
	case Insurer:
		return "大病保险承办", "Catastrophic insurer"
	case Auditor:
		return "审计员", "Auditor"
	case Participant:
		return "参合人员", "Participant"
	}
	return string(r), string(r)
}

// Scope is the part of the county a user works in: an area subtree
// (AreaPath like "/1/5/"), or one institution. The county root's path makes a
// county-wide scope.
type Scope struct {
	AreaID        int64  // root of the area subtree (0 for institution scope)
	AreaPath      string // "/1/5/" — path of AreaID, ending in '/'
	InstitutionID int64  // set for institution users
}

// IsInstitution reports whether the scope is one institution.
func (s Scope) IsInstitution() bool { return s.InstitutionID != 0 }

// CoversArea reports whether the area with the given path lies in the
// scope's subtree. An institution scope covers no area.
func (s Scope) CoversArea(path string) bool {
	return s.AreaPath != "" && strings.HasPrefix(path, s.AreaPath)
}

// CoversInstitution reports whether an institution-bound record is visible:
// institution scopes see only their own; area scopes see every institution
// (institutions are county-wide resources).
func (s Scope) CoversInstitution(id int64) bool {
	if s.IsInstitution() {
		return s.InstitutionID == id
	}
	return s.AreaPath != ""
}

// AreaFilter returns a SQL condition restricting column col (an area path
// column) to the scope, and its argument: ("col LIKE ?", "/1/5/%"). An
// institution scope matches nothing.
func (s Scope) AreaFilter(col string) (string, any) {
	if s.AreaPath == "" {
		return "1 = 0", nil
	}
	return col + " LIKE ?", s.AreaPath + "%"
}

// Actor is the user (or institution, or system task) behind a request.
type Actor struct {
	UserID     int64  // 0 for the system or an institution's HIS
	Username   string // login name, "system", or "his:<institution code>"
	Role       Role
	Scope      Scope
	RemoteAddr string
}

// System is the actor for command-line tools and background jobs.
func System(name string) Actor {
	return Actor{Username: "system:" + name, Role: Admin, Scope: Scope{AreaPath: "/"}}
}

type ctxKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// FromContext returns the actor in ctx, if any.
func FromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(ctxKey{}).(Actor)
	return a, ok
}

// Can reports whether the actor's role is one of roles.
func (a Actor) Can(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}
