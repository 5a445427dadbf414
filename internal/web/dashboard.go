package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/dashboard"
	"ncms/internal/fund"
	"ncms/internal/money"
	"ncms/internal/stats"
)

// dashData is the dashboard page's data with its formatting helpers. Every
// chart is drawn (static/dashboard.js) from the table beside it: numeric
// cells carry their exact value in data-v, so the chart and the table
// always show the same numbers, and the table is what screen readers and
// printouts get.
type dashData struct {
	dashboard.Data
	ScopeName string
	allows    func(pattern string) bool
}

// Yuan formats fen as yuan with separators.
func (dashData) Yuan(f money.Fen) string { return fund.Yuan(f) }

// Wan formats fen as 万元 with two decimals.
func (dashData) Wan(f money.Fen) string { return fund.Wan(f, 2) }

// Pct formats a rate as a percentage.
func (dashData) Pct(r money.Rate) string { return fund.Percent(r) }

// V is the exact plain number of an amount in yuan ("1234.56") for data-v.
func (dashData) V(f money.Fen) string { return f.String() }

// RateV is a rate in percent ("12.34") for data-v.
func (dashData) RateV(r money.Rate) string { return money.Fen(r).String() }

// Val prints a statistics value; ValV is its plain number for data-v
// (amounts in yuan, rates in percent, counts as integers; "" unknown).
func (dashData) Val(v stats.Value) string {
	if v.Known && v.Kind == stats.Amount {
		return fund.Yuan(money.Fen(v.V))
	}
	return v.String()
}

// ValV: see Val.
func (dashData) ValV(v stats.Value) string {
	if !v.Known {
		return ""
	}
	return strings.TrimSuffix(v.String(), "%")
}

// CanSee reports whether the actor may open a console page (a link
// "/path?query").
func (d dashData) CanSee(href string) bool {
	path, _, _ := strings.Cut(href, "?")
	return d.allows != nil && d.allows(path)
}

// showsDashboard reports whether the home page is the dashboard for a.
func showsDashboard(a access.Actor) bool {
	return a.Can(dashboard.Roles...) && !a.Scope.IsInstitution() && strings.Count(a.Scope.AreaPath, "/") <= 2
}

// dashboardPage renders the dashboard (the home page of county staff).
func (c *Console) dashboardPage(w http.ResponseWriter, r *http.Request, scopeName string) error {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	d, err := c.dash.Get(r.Context(), year)
	if err != nil {
		return err
	}
	a := principal(r).Actor
	allows := func(pattern string) bool { return c.router.Allows(a, http.MethodGet, pattern) }
	return c.render(w, r, "dashboard.html", View{Data: dashData{Data: d, ScopeName: scopeName, allows: allows}})
}
