package api

import (
	"net/http"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/engine"
	"ncms/internal/httpx"
)

// claimReaders may see claims in their area; the service filters by scope.
var claimReaders = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance, access.Inspector,
	access.Director, access.Village, access.Auditor}

// claimRoutes: manual reimbursement (docs/claims.md).
func (a *API) claimRoutes() []httpx.Route {
	filers := []access.Role{access.Enrollment, access.Reviewer}
	deciders := []access.Role{access.Reviewer, access.Director, access.Village}
	payers := []access.Role{access.Finance, access.Director, access.Admin}
	return []httpx.Route{
		{Method: "GET", Pattern: "/claims", Roles: claimReaders, Scope: httpx.ScopeArea, Handler: a.listClaims},
		{Method: "POST", Pattern: "/claims", Roles: filers, Scope: httpx.ScopeArea, Handler: a.fileClaim},
		{Method: "GET", Pattern: "/claims/counts", Roles: claimReaders, Scope: httpx.ScopeArea, Handler: a.claimCounts},
		{Method: "GET", Pattern: "/claims/payable", Roles: payers, Scope: httpx.ScopeCounty, Handler: a.payableClaims},
		{Method: "GET", Pattern: "/claims/settings", Roles: claimReaders, Scope: httpx.ScopeArea, Handler: a.claimSettings},
		{Method: "PUT", Pattern: "/claims/settings", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.setClaimSettings},
		{Method: "GET", Pattern: "/claims/{id}", Roles: claimReaders, Scope: httpx.ScopeArea, Handler: a.getClaim},
		{Method: "POST", Pattern: "/claims/{id}/decision", Roles: deciders, Scope: httpx.ScopeArea, Handler: a.decideClaim},
	}
}

func (a *API) claims() *claims.Service {
	return claims.New(a.db, claims.Options{Settle: a.settle}) // a.settle screens: blacklisted persons cannot file
}

type claimList struct {
	Claims []claims.Claim `json:"claims"`
	Total  int            `json:"total"`
}

func (a *API) listClaims(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	st := claims.Stage(q.Get("stage"))
	if st != "" && !st.Valid() {
		return apperr.Field("stage", "stage", "环节无效", "unknown stage")
	}
	list, total, err := a.claims().List(r.Context(), claims.Filter{Stage: st, Limit: atoi(q.Get("limit"), 50),
		Offset: atoi(q.Get("offset"), 0)})
	if err != nil {
		return err
	}
	if list == nil {
		list = []claims.Claim{}
	}
	return ok(w, claimList{list, total})
}

func (a *API) fileClaim(w http.ResponseWriter, r *http.Request) error {
	var req claims.FileRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	c, err := a.claims().File(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, c)
}

func (a *API) claimCounts(w http.ResponseWriter, r *http.Request) error {
	m, err := a.claims().Counts(r.Context())
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"counts": m})
}

// claimBody is a claim with the engine's computation: the stored result
// once approved, else a preview on the person's current totals.
type claimBody struct {
	claims.Claim
	Preview *engine.Result `json:"preview,omitempty"`
}

func (a *API) getClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := a.claims()
	c, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	body := claimBody{Claim: c}
	if c.Result == nil && c.Stage != claims.Rejected {
		if body.Preview, err = s.Preview(r.Context(), id); err != nil {
			return err
		}
	}
	return ok(w, body)
}

func (a *API) decideClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var d claims.Decision
	if err := httpx.ReadJSON(r, &d); err != nil {
		return err
	}
	d.ClaimID = id
	c, err := a.claims().Decide(r.Context(), d)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) payableClaims(w http.ResponseWriter, r *http.Request) error {
	var through civil.Date
	if s := r.URL.Query().Get("through"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			return apperr.Field("through", "date", "日期格式应为 YYYY-MM-DD", "the date is YYYY-MM-DD")
		}
		through = d
	}
	list, err := a.claims().ListPayable(r.Context(), through)
	if err != nil {
		return err
	}
	if list == nil {
		list = []claims.Payable{}
	}
	return ok(w, map[string]any{"payable": list})
}

type claimSettingsBody struct {
	DeadlineMonths int `json:"deadline_months"`
}

func (a *API) claimSettings(w http.ResponseWriter, r *http.Request) error {
	m, err := a.claims().DeadlineMonths(r.Context())
	if err != nil {
		return err
	}
	return ok(w, claimSettingsBody{m})
}

func (a *API) setClaimSettings(w http.ResponseWriter, r *http.Request) error {
	var b claimSettingsBody
	if err := httpx.ReadJSON(r, &b); err != nil {
		return err
	}
	if err := a.claims().SetDeadlineMonths(r.Context(), b.DeadlineMonths); err != nil {
		return err
	}
	return ok(w, b)
}
