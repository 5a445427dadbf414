package api

import (
	"net/http"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// enrollRoutes: scheme years and standards, the enrollment desk, receipts,
// receivables and arrivals, and the coverage question.
func (a *API) enrollRoutes() []httpx.Route {
	area, county, own := httpx.ScopeArea, httpx.ScopeCounty, httpx.ScopeOwn
	read, desk, fin := enroll.ReadRoles, enroll.DeskRoles, enroll.FinanceRoles
	return []httpx.Route{
		{Method: "GET", Pattern: "/enroll/years", Roles: read, Scope: area, Handler: a.enrollYears},
		{Method: "POST", Pattern: "/enroll/years", Roles: adminOnly, Scope: county, Handler: a.enrollYearCreate},
		{Method: "GET", Pattern: "/enroll/years/{year}", Roles: read, Scope: area, Handler: a.enrollYear},
		{Method: "PUT", Pattern: "/enroll/years/{year}", Roles: adminOnly, Scope: county, Handler: a.enrollYearUpdate},
		{Method: "PUT", Pattern: "/enroll/years/{year}/standards", Roles: adminOnly, Scope: county, Handler: a.enrollStandards},
		{Method: "POST", Pattern: "/enroll/years/{year}/status", Roles: adminOnly, Scope: county, Handler: a.enrollYearStatus},
		{Method: "GET", Pattern: "/enroll/presets", Roles: read, Scope: area, Handler: a.enrollPresets},
		{Method: "GET", Pattern: "/enroll/households/{id}", Roles: read, Scope: area, Handler: a.enrollHousehold},
		{Method: "POST", Pattern: "/enroll/quote", Roles: desk, Scope: area, Handler: a.enrollQuote},
		{Method: "POST", Pattern: "/enroll/enrollments", Roles: desk, Scope: area, Handler: a.enrollCreate},
		{Method: "GET", Pattern: "/enroll/receipts", Roles: read, Scope: area, Handler: a.enrollReceiptByNo},
		{Method: "GET", Pattern: "/enroll/receipts/{id}", Roles: read, Scope: area, Handler: a.enrollReceipt},
		{Method: "POST", Pattern: "/enroll/receipts/{id}/cancel", Roles: desk, Scope: area, Handler: a.enrollCancel},
		{Method: "GET", Pattern: "/enroll/receivables", Roles: read, Scope: area, Handler: a.enrollReceivables},
		{Method: "GET", Pattern: "/enroll/arrivals", Roles: read, Scope: county, Handler: a.enrollArrivals},
		{Method: "POST", Pattern: "/enroll/arrivals", Roles: fin, Scope: county, Handler: a.enrollArrivalCreate},
		{Method: "POST", Pattern: "/enroll/arrivals/{id}/reverse", Roles: fin, Scope: county, Handler: a.enrollArrivalReverse},
		{Method: "POST", Pattern: "/enroll/coverage", Roles: httpx.AnyRole, Scope: own, Handler: a.enrollCoverage},
	}
}

func (a *API) enroll() *enroll.Service { return enroll.New(a.db, enroll.Options{}) }

// pathYear reads the {year} path value (non-numbers are 404).
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return 0, apperr.NotFoundf("年度")
	}
	return y, nil
}

// queryYear reads ?year= (required).
func queryYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil {
		return 0, apperr.Field("year", "required", "请指定年度", "give the year")
	}
	return y, nil
}

func (a *API) enrollYears(w http.ResponseWriter, r *http.Request) error {
	ys, err := a.enroll().Years(r.Context())
	if err != nil {
		return err
	}
	out := make([]yearBody, 0, len(ys))
	for _, y := range ys {
		out = append(out, yearOut(y))
	}
	return ok(w, map[string]any{"years": out})
}

func (a *API) enrollYear(w http.ResponseWriter, r *http.Request) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	yr, err := a.enroll().Year(r.Context(), y)
	if err != nil {
		return err
	}
	return ok(w, yearOut(yr))
}

// yearInput is the body of creating or changing a year; omitted dates take
// the defaults, an omitted waiting_days the default 90.
type yearInput struct {
	Year        int        `json:"year"`
	PeriodFrom  civil.Date `json:"period_from"`
	PeriodTo    civil.Date `json:"period_to"`
	WindowFrom  civil.Date `json:"window_from"`
	WindowTo    civil.Date `json:"window_to"`
	WaitingDays *int       `json:"waiting_days"`
	Note        string     `json:"note"`
}

func (in yearInput) service() enroll.YearInput {
	wd := -1
	if in.WaitingDays != nil {
		wd = *in.WaitingDays
	}
	return enroll.YearInput{Year: in.Year, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, WindowFrom: in.WindowFrom,
		WindowTo: in.WindowTo, WaitingDays: wd, Note: in.Note}
}

func (a *API) enrollYearCreate(w http.ResponseWriter, r *http.Request) error {
	var in yearInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	y, err := a.enroll().CreateYear(r.Context(), in.service())
	if err != nil {
		return err
	}
	return created(w, yearOut(y))
}

func (a *API) enrollYearUpdate(w http.ResponseWriter, r *http.Request) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	var in yearInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	in.Year = y
	yr, err := a.enroll().UpdateYear(r.Context(), in.service())
	if err != nil {
		return err
	}
	return ok(w, yearOut(yr))
}

// standardsInput replaces a year's standards and subsidies.
type standardsInput struct {
	Standards []enroll.Standard `json:"standards"`
	Subsidies []subsidyInput    `json:"subsidies"`
}

// subsidyInput: rate as a percentage string ("100", "50%"), or amount.
type subsidyInput struct {
	Category string    `json:"category"`
	Rate     string    `json:"rate"`
	Amount   money.Fen `json:"amount"`
}

func (a *API) enrollStandards(w http.ResponseWriter, r *http.Request) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	var in standardsInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	subs := make([]enroll.Subsidy, 0, len(in.Subsidies))
	for i, s := range in.Subsidies {
		sb := enroll.Subsidy{Category: registry.Category(s.Category), Amount: s.Amount}
		if c, ok := registry.ParseCategory(s.Category); ok {
			sb.Category = c
		}
		if s.Rate != "" {
			if sb.Rate, err = money.ParseRate(s.Rate); err != nil {
				return apperr.Field("subsidies["+strconv.Itoa(i+1)+"].rate", "bad_rate", "比例格式错误", "not a percentage")
			}
		}
		subs = append(subs, sb)
	}
	yr, err := a.enroll().SetStandards(r.Context(), y, in.Standards, subs)
	if err != nil {
		return err
	}
	return ok(w, yearOut(yr))
}

func (a *API) enrollYearStatus(w http.ResponseWriter, r *http.Request) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	var in struct {
		Status enroll.Status `json:"status"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	yr, err := a.enroll().SetStatus(r.Context(), y, in.Status)
	if err != nil {
		return err
	}
	return ok(w, yearOut(yr))
}

func (a *API) enrollPresets(w http.ResponseWriter, r *http.Request) error {
	return ok(w, map[string]any{"presets": enroll.Presets()})
}
