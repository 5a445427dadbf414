package web

import (
	"cmp"
	"slices"

	"ncms/internal/access"
	"ncms/internal/auth"
)

// userListMax is how many users (by username) the list sorts, pages and
// exports; the page says so when there are more (narrow the search).
const userListMax = 500

// userColumns are the columns of the users list (users.html): shown,
// sortable and exported in this order. The default order is the
// username's (the service's).
func userColumns(lang string) []Column[auth.User] {
	type u = auth.User
	p := &Page{Lang: lang}
	scope := func(x u) string { return scopeLabel(p, x) }
	return []Column[u]{
		{Key: "username", Zh: p.T("label.username"), En: p.T("label.username"), Value: func(x u) any { return x.Username },
			Order: byString(func(x u) string { return x.Username })},
		{Key: "name", Zh: p.T("label.name"), En: p.T("label.name"), Value: func(x u) any { return x.DisplayName },
			Order: byString(func(x u) string { return x.DisplayName })},
		{Key: "role", Zh: p.T("label.role"), En: p.T("label.role"), Value: func(x u) any { return p.RoleLabel(x.Role) },
			Order: byInt(func(x u) int { return slices.Index(access.Roles, x.Role) })},
		{Key: "scope", Zh: p.T("label.scope"), En: p.T("label.scope"), Value: func(x u) any { return scope(x) },
			Order: func(a, b u) int {
				// areas by name, then the institutions by id
				if c := cmp.Compare(boolInt(a.InstitutionID != 0), boolInt(b.InstitutionID != 0)); c != 0 {
					return c
				}
				if c := cmp.Compare(a.InstitutionID, b.InstitutionID); c != 0 {
					return c
				}
				return cmp.Compare(a.AreaName, b.AreaName)
			}},
		{Key: "status", Zh: p.T("label.status"), En: p.T("label.status"), Value: func(x u) any { return statusLabel(p, x) },
			Order: func(a, b u) int { return cmp.Compare(boolInt(a.Disabled), boolInt(b.Disabled)) }},
		{Key: "created", Zh: p.T("label.created"), En: p.T("label.created"), Value: func(x u) any { return x.CreatedAt },
			Order: func(a, b u) int { return a.CreatedAt.Compare(b.CreatedAt) }},
	}
}

// boolInt is 1 for true (false sorts first).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
