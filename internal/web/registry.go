package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/httpx"
	"ncms/internal/registry"
)

// Role sets of the registry pages: who reads the register, who changes it,
// who sees the double-enrollment report.
var (
	regReaders = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance,
		access.Inspector, access.Director, access.Village, access.Auditor}
	regWriters = []access.Role{access.Admin, access.Enrollment}
	regReport  = []access.Role{access.Admin, access.Enrollment, access.Inspector, access.Director, access.Auditor}
)

// registryRoutes are the registry pages: search, person and household
// detail, household registration and editing, status changes, the area
// tree and other schemes' lists.
func (c *Console) registryRoutes() []httpx.Route {
	area := httpx.ScopeArea
	return []httpx.Route{
		{Method: "GET", Pattern: "/persons", Roles: regReaders, Scope: area, Handler: c.personSearch},
		{Method: "POST", Pattern: "/persons", Roles: regReaders, Scope: area, Handler: c.personSearchPost},
		{Method: "GET", Pattern: "/persons/{id}", Roles: regReaders, Scope: area, Handler: c.personPage},
		{Method: "POST", Pattern: "/persons/{id}/status", Roles: regWriters, Scope: area, Handler: c.personStatus},
		{Method: "POST", Pattern: "/persons/{id}/id-number", Roles: regWriters, Scope: area, Handler: c.personAssignID},
		{Method: "POST", Pattern: "/persons/{id}/correct", Roles: regWriters, Scope: area, Handler: c.personCorrect},
		{Method: "GET", Pattern: "/households/new", Roles: regWriters, Scope: area, Handler: c.householdNew},
		{Method: "POST", Pattern: "/households/new", Roles: regWriters, Scope: area, Handler: c.householdCreate},
		{Method: "GET", Pattern: "/households/{id}", Roles: regReaders, Scope: area, Handler: c.householdPage},
		{Method: "GET", Pattern: "/households/{id}/edit", Roles: regWriters, Scope: area, Handler: c.householdEdit},
		{Method: "POST", Pattern: "/households/{id}/edit", Roles: regWriters, Scope: area, Handler: c.householdSave},
		{Method: "POST", Pattern: "/households/{id}/move", Roles: regWriters, Scope: area, Handler: c.householdMove},
		{Method: "GET", Pattern: "/areas", Roles: regReaders, Scope: area, Handler: c.areasPage},
		{Method: "POST", Pattern: "/areas", Roles: regWriters, Scope: area, Handler: c.areaCreate},
		{Method: "POST", Pattern: "/areas/{id}/rename", Roles: regWriters, Scope: area, Handler: c.areaRename},
		{Method: "GET", Pattern: "/other-schemes", Roles: regReport, Scope: area, Handler: c.otherSchemes},
		{Method: "POST", Pattern: "/other-schemes", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: c.otherSchemeImport, MaxBody: 64 << 20},
		{Method: "GET", Pattern: "/other-schemes/report", Roles: regReport, Scope: area, Handler: c.otherSchemeReport},
	}
}

// reg returns the registry service over the console's database.
func (c *Console) reg() *registry.Service { return registry.New(c.db, registry.Options{}) }

// canWriteRegister reports whether the caller may change the register.
func canWriteRegister(r *http.Request) bool { return principal(r).Actor.Can(regWriters...) }

// formID reads a positive id from a form or query value (0 if absent).
func formID(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// prefixErrors renames the fields of a user error (for forms that share a
// page: "name" → "c_name").
func prefixErrors(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || prefix == "" {
		return err
	}
	for i := range e.Fields {
		e.Fields[i].Field = prefix + e.Fields[i].Field
	}
	return e
}

// Lbl shows a registry value (status, category, event kind, level, scheme)
// in the page's language: {{$.Lbl .Status}}.
func (p *Page) Lbl(v interface{ Label() (string, string) }) string {
	zh, en := v.Label()
	return p.Tr(zh, en)
}

// fieldErr builds a form error for one field.
func fieldErr(field, code, zh, en string) apperr.FieldError {
	return apperr.FieldError{Field: field, Code: code, Zh: zh, En: en}
}
