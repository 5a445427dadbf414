package web

import (
	"net/http"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/registry"
	"ncms/internal/settle"
)

// The person file (个人档案, GET /persons/{id}/file): everything a clerk
// needs about one person on one page — the register entry and life events,
// every enrollment with its receipt, every settlement (real-time and
// manual claims) with a link to its slip, and the year to date against each
// cap of the scheme in force. Each part is read through its own service, so
// the caller's scope applies to each; a part the caller may not read is
// left out, not an error. Caps and limits are what the scheme declares and
// what the engine reported at the latest settlement: no rule is applied here.

// personFileRoutes: the person file.
func (c *Console) personFileRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/persons/{id}/file", Roles: regReaders, Scope: httpx.ScopeArea, Handler: c.personFile},
	}
}

// personFileView is the data of the person file.
type personFileView struct {
	Person      registry.Person
	Household   registry.Household
	Events      []registry.Event
	Enrollments []enroll.PersonEnrollment
	EnrollShown bool // the caller may read enrollments
	Settlements []settle.SettlementRow
	SetlShown   bool // the caller may read settlements
	SlipLinks   bool // ... and open their slips
	Claims      []claims.Claim
	ClaimsShown bool
	Year        *settle.PersonYear
	YearErr     string // why no year to date (no scheme in force on the day)
	Date        civil.Date
	CanReceipt  bool
}

// personFile shows the person file; ?date= picks the scheme year (default today).
func (c *Console) personFile(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, s := r.Context(), c.reg()
	v := personFileView{}
	if v.Person, err = s.Person(ctx, id); err != nil {
		return err
	}
	if v.Household, err = s.Household(ctx, v.Person.HouseholdID); err != nil {
		return err
	}
	if v.Events, err = s.Events(ctx, id); err != nil {
		return err
	}
	a := principal(r).Actor
	can := func(pattern string) bool { return c.router.Allows(a, http.MethodGet, pattern) }
	f := emptyForm("date", r.URL.Query().Get("date"))
	var ce apperr.Collector
	v.Date = parseDate(f, "date", &ce)
	if v.Date.IsZero() || ce.Len() > 0 {
		f.Catch(ce.Err())
		v.Date = deskToday()
		f.Values.Set("date", v.Date.String())
	}
	v.CanReceipt = can("/enroll/receipts/{id}")
	if v.Enrollments, v.EnrollShown, err = optional(c.enr().PersonEnrollments(ctx, id)); err != nil {
		return err
	}
	if v.Settlements, v.SetlShown, err = optional(c.settle.PersonSettlements(ctx, id, 0)); err != nil {
		return err
	}
	v.SlipLinks = c.canReadSettlements(a)
	if can("/claims") {
		var list []claims.Claim
		if list, v.ClaimsShown, err = optional(c.claimsOf(r, id)); err != nil {
			return err
		}
		v.Claims = list
	}
	yr, err := c.settle.PersonYearOn(ctx, id, v.Date)
	if e, ok := apperr.As(err); ok {
		v.YearErr = (&Page{Lang: Lang(r)}).Tr(e.Zh, e.En)
	} else if err != nil {
		return err
	} else {
		v.Year = &yr
	}
	return c.render(w, r, "person_file.html", View{Status: f.Status, Form: f, Data: v})
}

// claimsOf lists every claim of a person (in the caller's area).
func (c *Console) claimsOf(r *http.Request, personID int64) ([]claims.Claim, error) {
	list, _, err := c.claims().List(r.Context(), claims.Filter{PersonID: personID, Limit: 500})
	return list, err
}

// optional turns a refusal (a user error: forbidden, not found) into "not
// shown"; other errors stay errors.
func optional[T any](v T, err error) (T, bool, error) {
	if err == nil {
		return v, true, nil
	}
	var zero T
	if _, ok := apperr.As(err); ok {
		return zero, false, nil
	}
	return zero, false, err
}
