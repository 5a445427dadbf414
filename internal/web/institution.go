package web

import (
	"net/http"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// Role sets of the institution and catalogue pages: the county's staff and
// institution users read (an institution user only its own institution);
// the scheme administrator writes.
var instReaders = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance,
	access.Inspector, access.Director, access.Institution, access.Village, access.Insurer, access.Auditor}

// institutionRoutes are the designated-institution pages: list with
// filters and export, detail with status history, create and edit, status
// changes and credential rotation.
func (c *Console) institutionRoutes() []httpx.Route {
	own, county := httpx.ScopeOwn, httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/institutions", Roles: instReaders, Scope: own, Handler: c.institutionList},
		{Method: "GET", Pattern: "/institutions/new", Roles: adminOnly, Scope: county, Handler: c.institutionNew},
		{Method: "POST", Pattern: "/institutions", Roles: adminOnly, Scope: county, Handler: c.institutionCreate},
		{Method: "GET", Pattern: "/institutions/{id}", Roles: instReaders, Scope: own, Handler: c.institutionPage},
		{Method: "GET", Pattern: "/institutions/{id}/edit", Roles: adminOnly, Scope: county, Handler: c.institutionEdit},
		{Method: "POST", Pattern: "/institutions/{id}/edit", Roles: adminOnly, Scope: county, Handler: c.institutionSave},
		{Method: "POST", Pattern: "/institutions/{id}/status", Roles: adminOnly, Scope: county, Handler: c.institutionStatus},
		{Method: "POST", Pattern: "/institutions/{id}/rotate", Roles: adminOnly, Scope: county, Handler: c.institutionRotate},
	}
}

// inst returns the institution service; withKey loads the installation key
// (only creating and rotating credentials need it).
func (c *Console) inst(withKey bool) (*institution.Service, error) {
	var opt institution.Options
	if withKey {
		k, err := institution.LoadKeyFor(c.db)
		if err != nil {
			return nil, err
		}
		opt.Key = k
	}
	return institution.New(c.db, opt), nil
}

// instListView is the data of the institution list.
type instListView struct {
	Table    *List[institution.Institution] // sorted (?sort=), one page of it
	Levels   []Option
	Statuses []Option
	CanWrite bool
}

// instFilter reads the list filters from the query: q, level, status and
// county (in / out).
func instFilter(r *http.Request) (institution.Filter, *Form) {
	q := r.URL.Query()
	f := emptyForm("q", q.Get("q"), "level", q.Get("level"), "status", q.Get("status"), "county", q.Get("county"))
	flt := institution.Filter{Query: f.Get("q"), Level: institution.Level(f.Get("level")), Status: institution.Status(f.Get("status"))}
	switch f.Get("county") {
	case "in":
		in := true
		flt.InCounty = &in
	case "out":
		out := false
		flt.InCounty = &out
	}
	return flt, f
}

// institutionList lists the institutions the caller may see, sorted by a
// displayed column (?sort=, default: by code as the service returns them)
// and paged; ?format=xlsx: every matching row as Excel, in the same order.
func (c *Console) institutionList(w http.ResponseWriter, r *http.Request) error {
	flt, f := instFilter(r)
	s, _ := c.inst(false)
	items, err := allInstitutions(r, s, flt)
	if err != nil {
		return err
	}
	t := newList(r, "inst-list", institutionColumns(), items, "", 50)
	if wantsXLSX(r) {
		return t.Export(w, "institutions", "定点医疗机构")
	}
	p := &Page{Lang: Lang(r)}
	v := instListView{Table: t, CanWrite: canWriteInstitutions(r),
		Levels:   append([]Option{{Value: "", Label: p.T("label.all")}}, levelOptions(p)...),
		Statuses: append([]Option{{Value: "", Label: p.T("label.all")}}, statusOptions(p)...)}
	return c.render(w, r, "institution_list.html", View{Form: f, Data: v})
}

// allInstitutions reads every institution matching flt (the county's
// institutions: a bounded list), 500 at a time, in the service's order.
func allInstitutions(r *http.Request, s *institution.Service, flt institution.Filter) ([]institution.Institution, error) {
	var all []institution.Institution
	flt.Limit, flt.Offset = 500, 0
	for {
		items, total, err := s.List(r.Context(), flt)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		flt.Offset += len(items)
		if len(items) == 0 || flt.Offset >= total {
			return all, nil
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// instView is the data of the institution detail page.
type instView struct {
	In       institution.Institution
	History  []institution.StatusEvent
	AreaName string
	CanWrite bool
	Open     string // the action form to show open after an error
}

// institutionPage shows one institution with its status history and, for
// the administrator, the status and credential actions.
func (c *Console) institutionPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderInstitution(w, r, emptyForm("grace", "24"), "")
}

func (c *Console) renderInstitution(w http.ResponseWriter, r *http.Request, f *Form, open string) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s, _ := c.inst(false)
	in, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := instView{In: in, CanWrite: canWriteInstitutions(r), Open: open}
	if v.History, err = s.History(r.Context(), id); err != nil {
		return err
	}
	v.AreaName = c.areaName(r, in.AreaID)
	return c.render(w, r, "institution_detail.html", View{Status: f.Status, Form: f, Data: v})
}

// areaName names an area by its chain ("盘县 龙场镇"), or "" when the caller
// may not read the area tree (institution users).
func (c *Console) areaName(r *http.Request, id int64) string {
	if id == 0 {
		return ""
	}
	chain, err := c.reg().Chain(r.Context(), id)
	if err != nil {
		return ""
	}
	name := ""
	for i, a := range chain {
		if i > 0 {
			name += " "
		}
		name += a.Name
	}
	return name
}

// canWriteInstitutions reports whether the caller may change institutions.
func canWriteInstitutions(r *http.Request) bool {
	a := principal(r).Actor
	return a.Can(access.Admin) && !a.Scope.IsInstitution()
}

// levelOptions are the institution levels for a select.
func levelOptions(p *Page) []Option {
	var out []Option
	for _, l := range institution.Levels {
		zh, en := l.Label()
		out = append(out, Option{Value: string(l), Label: p.Tr(zh, en)})
	}
	return out
}

// statusOptions are the institution statuses for a select.
func statusOptions(p *Page) []Option {
	var out []Option
	for _, st := range []institution.Status{institution.Active, institution.Suspended, institution.Withdrawn} {
		zh, en := st.Label()
		out = append(out, Option{Value: string(st), Label: p.Tr(zh, en)})
	}
	return out
}

// itoa64 formats an id for forms.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// WithHint returns the field with a hint shown under it (templates:
// {{template "field" ($f.WithHint "...")}}).
func (f Field) WithHint(h string) Field { f.Hint = h; return f }
