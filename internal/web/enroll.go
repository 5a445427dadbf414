package web

import (
	"net/http"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/money"
)

// enrollRoutes are the enrollment pages: the desk (find a household, choose
// the tier, see who pays what, take the payment, print the receipt),
// receipts and cancellation, receivables and arrivals, years and standards.
func (c *Console) enrollRoutes() []httpx.Route {
	area, county := httpx.ScopeArea, httpx.ScopeCounty
	read, desk, fin := enroll.ReadRoles, enroll.DeskRoles, enroll.FinanceRoles
	return []httpx.Route{
		{Method: "GET", Pattern: "/enroll", Roles: desk, Scope: area, Handler: c.enrollDesk},
		{Method: "POST", Pattern: "/enroll/search", Roles: desk, Scope: area, Handler: c.enrollSearch},
		{Method: "POST", Pattern: "/enroll", Roles: desk, Scope: area, Handler: c.enrollSubmit},
		{Method: "GET", Pattern: "/enroll/receipts", Roles: read, Scope: area, Handler: c.enrollReceiptLookup},
		{Method: "GET", Pattern: "/enroll/receipts/{id}", Roles: read, Scope: area, Handler: c.enrollReceipt},
		{Method: "POST", Pattern: "/enroll/receipts/{id}/cancel", Roles: desk, Scope: area, Handler: c.enrollCancel},
		{Method: "GET", Pattern: "/enroll/coverage", Roles: httpx.AnyRole, Scope: httpx.ScopeOwn, Handler: c.enrollCoveragePage},
		{Method: "POST", Pattern: "/enroll/coverage", Roles: httpx.AnyRole, Scope: httpx.ScopeOwn, Handler: c.enrollCoverageCheck},
		{Method: "GET", Pattern: "/enroll/receivables", Roles: read, Scope: area, Handler: c.enrollReceivables},
		{Method: "POST", Pattern: "/enroll/arrivals", Roles: fin, Scope: county, Handler: c.enrollArrivalCreate},
		{Method: "POST", Pattern: "/enroll/arrivals/{id}/reverse", Roles: fin, Scope: county, Handler: c.enrollArrivalReverse},
		{Method: "GET", Pattern: "/enroll/years", Roles: read, Scope: area, Handler: c.enrollYears},
		{Method: "POST", Pattern: "/enroll/years", Roles: adminOnly, Scope: county, Handler: c.enrollYearCreate},
		{Method: "GET", Pattern: "/enroll/years/{year}", Roles: read, Scope: area, Handler: c.enrollYear},
		{Method: "POST", Pattern: "/enroll/years/{year}", Roles: adminOnly, Scope: county, Handler: c.enrollYearUpdate},
		{Method: "POST", Pattern: "/enroll/years/{year}/standards", Roles: adminOnly, Scope: county, Handler: c.enrollStandards},
		{Method: "POST", Pattern: "/enroll/years/{year}/preset", Roles: adminOnly, Scope: county, Handler: c.enrollPreset},
		{Method: "POST", Pattern: "/enroll/years/{year}/status", Roles: adminOnly, Scope: county, Handler: c.enrollYearStatus},
	}
}

// enr returns the enrollment service over the console's database.
func (c *Console) enr() *enroll.Service { return enroll.New(c.db, enroll.Options{}) }

// pathYear reads {year} (non-numbers are 404).
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return 0, apperr.NotFoundf("年度")
	}
	return y, nil
}

// parseDate reads a form date; empty gives the zero date.
func parseDate(f *Form, name string, c *apperr.Collector) civil.Date {
	v := f.Get(name)
	if v == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(v)
	if err != nil {
		c.AddField(name, "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
	}
	return d
}

// parseMoney reads a form amount; empty gives 0.
func parseMoney(f *Form, name string, c *apperr.Collector) money.Fen {
	v := f.Get(name)
	if v == "" {
		return 0
	}
	m, err := money.Parse(v)
	if err != nil {
		c.AddField(name, "bad_amount", "金额格式错误（最多两位小数）", "not an amount (at most two decimals)")
	}
	return m
}

// sourceLabel names a source in the page's language.
func (p *Page) SourceLabel(s enroll.Source) string {
	zh, en := s.Label()
	return p.Tr(zh, en)
}

// yearOptions lists the years for a select, the chosen one selected.
func yearOptions(ys []enroll.Year, chosen int) []Option {
	out := make([]Option, 0, len(ys))
	for _, y := range ys {
		v := strconv.Itoa(y.Year)
		out = append(out, Option{Value: v, Label: v + " · " + y.Status.Zh(), Selected: y.Year == chosen})
	}
	return out
}

// defaultYear picks the newest open year, else the newest year.
func defaultYear(ys []enroll.Year) int {
	for _, y := range ys {
		if y.Status == enroll.Open {
			return y.Year
		}
	}
	if len(ys) > 0 {
		return ys[0].Year
	}
	return 0
}
