package api

import (
	"net/http"

	"ncms/internal/civil"
	"ncms/internal/fund"
	"ncms/internal/httpx"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// ledgerRoutes: the fund's books (trial balance, statements, postings,
// entries) and the fund (report, allocation, interest, opening balance).
// County-wide only.
func (a *API) ledgerRoutes() []httpx.Route {
	county, read, write := httpx.ScopeCounty, ledger.ReadRoles, fund.WriteRoles
	return []httpx.Route{
		{Method: "GET", Pattern: "/ledger/accounts", Roles: read, Scope: county, Handler: a.ledgerAccounts},
		{Method: "GET", Pattern: "/ledger/trial-balance", Roles: read, Scope: county, Handler: a.ledgerTrial},
		{Method: "GET", Pattern: "/ledger/statement", Roles: read, Scope: county, Handler: a.ledgerStatement},
		{Method: "GET", Pattern: "/ledger/postings", Roles: read, Scope: county, Handler: a.ledgerPostings},
		{Method: "GET", Pattern: "/ledger/entries/{id}", Roles: read, Scope: county, Handler: a.ledgerEntry},
		{Method: "GET", Pattern: "/ledger/institutions/{id}", Roles: read, Scope: county, Handler: a.ledgerInstitution},
		{Method: "GET", Pattern: "/fund/{year}", Roles: read, Scope: county, Handler: a.fundReport},
		{Method: "POST", Pattern: "/fund/{year}/allocation", Roles: write, Scope: county, Handler: a.fundAllocate},
		{Method: "POST", Pattern: "/fund/{year}/interest", Roles: write, Scope: county, Handler: a.fundInterest},
		{Method: "POST", Pattern: "/fund/{year}/opening", Roles: write, Scope: county, Handler: a.fundOpening},
	}
}

func (a *API) ledgerAccounts(w http.ResponseWriter, r *http.Request) error {
	return ok(w, map[string]any{"accounts": ledger.Accounts, "event_kinds": ledger.EventKinds})
}

func (a *API) ledgerTrial(w http.ResponseWriter, r *http.Request) error {
	f, err := ledger.ParseFilter(r.URL.Query().Get)
	if err != nil {
		return err
	}
	tb, err := ledger.New(a.db).TrialBalance(r.Context(), f, r.URL.Query().Get("detail") == "1")
	if err != nil {
		return err
	}
	return ok(w, tb)
}

func (a *API) ledgerStatement(w http.ResponseWriter, r *http.Request) error {
	f, err := ledger.ParseFilter(r.URL.Query().Get)
	if err != nil {
		return err
	}
	st, err := ledger.New(a.db).Statement(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, st)
}

func (a *API) ledgerPostings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := ledger.ParseFilter(q.Get)
	if err != nil {
		return err
	}
	list, n, err := ledger.New(a.db).Postings(r.Context(), f, atoi(q.Get("limit"), 100), atoi(q.Get("offset"), 0))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"total": n, "postings": list})
}

func (a *API) ledgerEntry(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := ledger.New(a.db).Entry(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, e)
}

func (a *API) ledgerInstitution(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := ledger.InstitutionPosition(r.Context(), a.db, id, atoi(r.URL.Query().Get("year"), 0))
	if err != nil {
		return err
	}
	return ok(w, p)
}

func (a *API) fundReport(w http.ResponseWriter, r *http.Request) error {
	year, err := httpx.PathID(r, "year")
	if err != nil {
		return err
	}
	rep, err := fund.New(a.db, nil).Report(r.Context(), int(year))
	if err != nil {
		return err
	}
	return ok(w, rep)
}

func (a *API) fundAllocate(w http.ResponseWriter, r *http.Request) error {
	year, err := httpx.PathID(r, "year")
	if err != nil {
		return err
	}
	var in fund.AllocateInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	in.Year = int(year)
	al, err := fund.New(a.db, nil).Allocate(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, al)
}

type fundEventIn struct {
	Amount    money.Fen  `json:"amount"`
	On        civil.Date `json:"on"`
	Reference string     `json:"reference"`
	Note      string     `json:"note"`
}

func (a *API) fundInterest(w http.ResponseWriter, r *http.Request) error {
	return a.fundEvent(w, r, false)
}
func (a *API) fundOpening(w http.ResponseWriter, r *http.Request) error {
	return a.fundEvent(w, r, true)
}

func (a *API) fundEvent(w http.ResponseWriter, r *http.Request, opening bool) error {
	year, err := httpx.PathID(r, "year")
	if err != nil {
		return err
	}
	var in fundEventIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	s := fund.New(a.db, nil)
	ev := fund.EventInput{Year: int(year), Amount: in.Amount, On: in.On, Reference: in.Reference, Note: in.Note}
	record := s.RecordInterest
	if opening {
		record = s.RecordOpening
	}
	id, err := record(r.Context(), ev)
	if err != nil {
		return err
	}
	return created(w, map[string]any{"entry_id": id})
}
