package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/settle"
)

// The settlement desk (结算台) for a clinic without a HIS: find the
// person, check coverage, register the visit, enter the lines, pre-settle,
// settle, print the slip, reverse; and the day's settlements with the
// daily totals. Every operation is settle.Service, as the HIS interface
// and the API use it. See docs/desk.md.

// Role sets of the desk: an institution clerk works at its own
// institution; county finance, administrators and auditors read.
var (
	deskClerk   = []access.Role{access.Institution}
	deskReaders = []access.Role{access.Institution, access.Finance, access.Admin, access.Auditor}
)

// deskRoutes are the desk pages.
func (c *Console) deskRoutes() []httpx.Route {
	inst, own := httpx.ScopeInstitution, httpx.ScopeOwn
	rd := c.deskReader
	return []httpx.Route{
		{Method: "GET", Pattern: "/desk", Roles: deskClerk, Scope: inst, Handler: c.deskHome},
		{Method: "POST", Pattern: "/desk/find", Roles: deskClerk, Scope: inst, Handler: c.deskFind},
		{Method: "GET", Pattern: "/desk/persons/{id}", Roles: deskClerk, Scope: inst, Handler: c.deskPerson},
		{Method: "POST", Pattern: "/desk/visits", Roles: deskClerk, Scope: inst, Handler: c.deskRegister},
		{Method: "GET", Pattern: "/desk/visits/{id}", Roles: deskReaders, Scope: own, Handler: rd(c.deskVisit)},
		{Method: "POST", Pattern: "/desk/visits/{id}/lines", Roles: deskClerk, Scope: inst, Handler: c.deskAddLine},
		{Method: "POST", Pattern: "/desk/visits/{id}/lines/revoke", Roles: deskClerk, Scope: inst, Handler: c.deskRevokeLine},
		{Method: "POST", Pattern: "/desk/visits/{id}/discharge", Roles: deskClerk, Scope: inst, Handler: c.deskDischarge},
		{Method: "POST", Pattern: "/desk/visits/{id}/presettle", Roles: deskClerk, Scope: inst, Handler: c.deskPreSettle},
		{Method: "POST", Pattern: "/desk/visits/{id}/settle", Roles: deskClerk, Scope: inst, Handler: c.deskSettle},
		{Method: "GET", Pattern: "/desk/settlements/{id}", Roles: deskReaders, Scope: own, Handler: rd(c.deskSlip)},
		{Method: "POST", Pattern: "/desk/settlements/{id}/reverse", Roles: deskClerk, Scope: inst, Handler: c.deskReverse},
		{Method: "GET", Pattern: "/desk/day", Roles: deskReaders, Scope: own, Handler: rd(c.deskDay)},
	}
}

// errDeskScope refuses a reader who is neither an institution nor county-wide.
var errDeskScope = apperr.New(apperr.Forbidden, "scope", "仅医疗机构本身或县级用户可查看结算", "only the institution itself or county staff may read settlements")

// deskReader admits institution users (their own records: the service
// filters) and county-wide users; township and village users are refused.
func (c *Console) deskReader(h httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := principal(r).Actor
		if !(a.Scope.IsInstitution() || httpx.ScopeCounty.Allows(a.Scope)) {
			return errDeskScope
		}
		return h(w, r)
	}
}

// today is the settlement day now.
func deskToday() civil.Date { return civil.Of(time.Now().In(settle.China)) }

// deskHomeData is the desk's first page.
type deskHomeData struct {
	Found    []settle.DeskPerson
	Searched bool
}

// deskHome shows the person search.
func (c *Console) deskHome(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, "desk.html", View{Form: emptyForm(), Data: deskHomeData{}})
}

// deskFind finds the person by ID number (a POST: the number never goes
// into a URL) or by name and household number.
func (c *Console) deskFind(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	ps, err := c.settle.FindPersons(r.Context(), settle.PersonQuery{IDNumber: f.Get("id_number"), Name: f.Get("name"),
		HouseholdNo: f.Get("household_no")})
	err = renameFields(err, map[string]string{"certno": "id_number"})
	if f.Catch(err) {
		return c.render(w, r, "desk.html", View{Status: f.Status, Form: f, Data: deskHomeData{}})
	}
	if err != nil {
		return err
	}
	if len(ps) == 1 {
		return redirect(w, r, "/desk/persons/"+strconv.FormatInt(ps[0].ID, 10))
	}
	f.Values.Del("id_number")
	return c.render(w, r, "desk.html", View{Form: f, Data: deskHomeData{Found: ps, Searched: true}})
}

// deskPersonData is the person card with the coverage check and the
// registration form.
type deskPersonData struct {
	Person   settle.DeskPerson
	Coverage settle.CoverageCheck
	MedTypes []Option
}

// medTypeOptions are the med_types the desk offers.
func medTypeOptions(p *Page) []Option {
	var out []Option
	for _, code := range []string{"11", "14", "21", "22", "52"} {
		zh, en := settle.MedTypeName(code)
		out = append(out, Option{Value: code, Label: code + " " + p.Tr(zh, en)})
	}
	return out
}

// deskPerson shows the person and the coverage on ?date= (default today).
func (c *Console) deskPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f := emptyForm("date", r.URL.Query().Get("date"), "med_type", "11")
	return c.renderDeskPerson(w, r, id, f)
}

func (c *Console) renderDeskPerson(w http.ResponseWriter, r *http.Request, id int64, f *Form) error {
	p, err := c.settle.DeskPersonByID(r.Context(), id)
	if err != nil {
		return err
	}
	var ce apperr.Collector
	day := parseDate(f, "date", &ce)
	if day.IsZero() || ce.Len() > 0 {
		day = deskToday()
		f.Values.Set("date", day.String())
	}
	cov, err := c.settle.CheckCoverage(r.Context(), id, day)
	if err != nil {
		return err
	}
	pg := &Page{Lang: Lang(r)}
	return c.render(w, r, "desk_person.html", View{Status: f.Status, Form: f,
		Data: deskPersonData{Person: p, Coverage: cov, MedTypes: medTypeOptions(pg)}})
}

// deskRegister registers the visit (or the admission) and opens it.
func (c *Console) deskRegister(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	pid := f.Int("person_id")
	var ce apperr.Collector
	day := parseDate(f, "date", &ce)
	if day.IsZero() && ce.Len() == 0 {
		ce.AddField("date", "required", "请填写就诊日期", "the visit date is required")
	}
	var v settle.Visit
	err = ce.Err()
	if err == nil {
		v, err = c.settle.OpenVisit(r.Context(), settle.VisitRequest{PersonID: pid, MedType: f.Get("med_type"), Begin: day,
			IptOtpNo: f.Get("ipt_otp_no"), Diagnoses: strings.FieldsFunc(f.Get("diagnoses"), splitCodes),
			DeptName: f.Get("dept_name"), DoctorName: f.Get("doctor_name")})
		err = renameFields(err, map[string]string{"begntime": "date", "dise_codg": "diagnoses", "psn_no": "person_id"})
	}
	if f.Catch(err) {
		return c.renderDeskPerson(w, r, pid, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记就诊", En: "Visit registered"})
	return redirect(w, r, "/desk/visits/"+strconv.FormatInt(v.ID, 10))
}

// splitCodes separates diagnosis codes typed with commas, spaces or 、.
func splitCodes(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == ';' }

// renameFields returns err with the service's field names renamed to the
// form's (a copy: the service's errors may be shared values).
func renameFields(err error, names map[string]string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	cp := *e
	cp.Fields = append([]apperr.FieldError(nil), e.Fields...)
	for i := range cp.Fields {
		if n, ok := names[cp.Fields[i].Field]; ok {
			cp.Fields[i].Field = n
		}
	}
	return &cp
}
