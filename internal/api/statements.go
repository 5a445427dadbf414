package api

import (
	"context"
	"net/http"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/httpx"
	"ncms/internal/statement"
)

// statementRoutes: monthly institution statements, deductions, agreement
// terms, bank batches and the year-end true-up (docs/statements.md).
func (a *API) statementRoutes() []httpx.Route {
	readers := []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector, access.Institution}
	finance := []access.Role{access.Finance}
	reviewers := []access.Role{access.Finance, access.Director}
	deducters := []access.Role{access.Finance, access.Inspector, access.Director}
	batchReaders := []access.Role{access.Finance, access.Director, access.Auditor, access.Admin}
	return []httpx.Route{
		{Method: "GET", Pattern: "/statements", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.listStatements},
		{Method: "POST", Pattern: "/statements", Roles: finance, Scope: httpx.ScopeCounty, Handler: a.prepareStatement},
		{Method: "GET", Pattern: "/statements/{id}", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.getStatement},
		{Method: "POST", Pattern: "/statements/{id}/check", Roles: reviewers, Scope: httpx.ScopeCounty, Handler: a.statementStep("check")},
		{Method: "POST", Pattern: "/statements/{id}/approve", Roles: []access.Role{access.Director}, Scope: httpx.ScopeCounty, Handler: a.statementStep("approve")},
		{Method: "POST", Pattern: "/statements/{id}/reject", Roles: reviewers, Scope: httpx.ScopeCounty, Handler: a.statementStep("reject")},
		{Method: "GET", Pattern: "/statements/deductions", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.listDeductions},
		{Method: "POST", Pattern: "/statements/deductions", Roles: deducters, Scope: httpx.ScopeCounty, Handler: a.addDeduction},
		{Method: "POST", Pattern: "/statements/deductions/{id}/cancel", Roles: deducters, Scope: httpx.ScopeCounty, Handler: a.cancelDeduction},
		{Method: "GET", Pattern: "/statements/terms", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.getTerms},
		{Method: "PUT", Pattern: "/statements/terms", Roles: []access.Role{access.Finance, access.Director, access.Admin}, Scope: httpx.ScopeCounty, Handler: a.setTerms},
		{Method: "GET", Pattern: "/statements/payable", Roles: reviewers, Scope: httpx.ScopeCounty, Handler: a.payableItems},
		{Method: "GET", Pattern: "/statements/batches", Roles: batchReaders, Scope: httpx.ScopeCounty, Handler: a.listBatches},
		{Method: "POST", Pattern: "/statements/batches", Roles: finance, Scope: httpx.ScopeCounty, Handler: a.createBatch},
		{Method: "GET", Pattern: "/statements/batches/{id}", Roles: batchReaders, Scope: httpx.ScopeCounty, Handler: a.getBatch},
		{Method: "GET", Pattern: "/statements/batches/{id}/file", Roles: batchReaders, Scope: httpx.ScopeCounty, Handler: a.batchFile},
		{Method: "POST", Pattern: "/statements/batches/{id}/payment", Roles: finance, Scope: httpx.ScopeCounty, Handler: a.payBatch},
		{Method: "POST", Pattern: "/statements/batches/{id}/cancel", Roles: finance, Scope: httpx.ScopeCounty, Handler: a.cancelBatch},
		{Method: "GET", Pattern: "/statements/trueups", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.listTrueUps},
		{Method: "POST", Pattern: "/statements/trueups", Roles: reviewers, Scope: httpx.ScopeCounty, Handler: a.trueUp},
	}
}

// statements returns the statement service; bank batches also carry
// approved manual claims.
func (a *API) statements() *statement.Service {
	return statement.New(a.db, statement.Options{Sources: []statement.Source{statement.Claims{Svc: a.claims()}}})
}

func (a *API) listStatements(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := statement.Filter{Year: atoi(q.Get("year"), 0), InstitutionID: int64(atoi(q.Get("institution_id"), 0)), Status: q.Get("status")}
	if v := q.Get("period"); v != "" {
		p, err := statement.ParsePeriod(v)
		if err != nil {
			return err
		}
		f.Period = p
	}
	list, err := a.statements().List(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []statement.Statement{}
	}
	return ok(w, map[string]any{"statements": list})
}

type prepareRequest struct {
	InstitutionID int64            `json:"institution_id"`
	Period        statement.Period `json:"period"`
}

func (a *API) prepareStatement(w http.ResponseWriter, r *http.Request) error {
	var req prepareRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	st, err := a.statements().Prepare(r.Context(), req.InstitutionID, req.Period)
	if err != nil {
		return err
	}
	return created(w, st)
}

// statementBody is a statement with its history and deductions.
type statementBody struct {
	statement.Statement
	Events     []statement.Event     `json:"events"`
	Deductions []statement.Deduction `json:"deductions"`
}

func (a *API) getStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := a.statements()
	st, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	evs, err := s.Events(r.Context(), id)
	if err != nil {
		return err
	}
	ds, err := s.Deductions(r.Context(), statement.DeductionFilter{StatementID: id})
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []statement.Deduction{}
	}
	return ok(w, statementBody{st, evs, ds})
}

type stepRequest struct {
	Note   string `json:"note"`
	Reason string `json:"reason"`
}

func (a *API) statementStep(step string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		var req stepRequest
		if err := httpx.ReadJSON(r, &req); err != nil {
			return err
		}
		s := a.statements()
		var st statement.Statement
		switch step {
		case "check":
			st, err = s.Check(r.Context(), id, req.Note)
		case "approve":
			st, err = s.Approve(r.Context(), id, req.Note)
		default:
			st, err = s.Reject(r.Context(), id, req.Reason)
		}
		if err != nil {
			return err
		}
		return ok(w, st)
	}
}

func (a *API) listDeductions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := a.statements().Deductions(r.Context(), statement.DeductionFilter{InstitutionID: int64(atoi(q.Get("institution_id"), 0)),
		Status: q.Get("status"), StatementID: int64(atoi(q.Get("statement_id"), 0)), Limit: atoi(q.Get("limit"), 200)})
	if err != nil {
		return err
	}
	if list == nil {
		list = []statement.Deduction{}
	}
	return ok(w, map[string]any{"deductions": list})
}

func (a *API) addDeduction(w http.ResponseWriter, r *http.Request) error {
	var req statement.Deduction
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	d, err := a.statements().AddDeduction(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, d)
}

func (a *API) cancelDeduction(w http.ResponseWriter, r *http.Request) error {
	return withReason(w, r, a.statements().CancelDeduction)
}

// withReason answers a step on the record named by the path id that takes
// the request's {"reason"}: the service decides, the answer is its result.
func withReason[T any](w http.ResponseWriter, r *http.Request, step func(context.Context, int64, string) (T, error)) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req stepRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	v, err := step(r.Context(), id, req.Reason)
	if err != nil {
		return err
	}
	return ok(w, v)
}

func (a *API) getTerms(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	t, err := a.statements().TermsOf(r.Context(), int64(atoi(q.Get("institution_id"), 0)), atoi(q.Get("year"), 0))
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (a *API) setTerms(w http.ResponseWriter, r *http.Request) error {
	var req statement.Terms
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	t, err := a.statements().SetTerms(r.Context(), req)
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (a *API) payableItems(w http.ResponseWriter, r *http.Request) error {
	items, err := a.statements().Payable(r.Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []statement.Item{}
	}
	return ok(w, map[string]any{"items": items})
}

func (a *API) listBatches(w http.ResponseWriter, r *http.Request) error {
	list, err := a.statements().Batches(r.Context(), atoi(r.URL.Query().Get("limit"), 100))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"batches": list})
}

type batchRequest struct {
	Items []statement.Ref `json:"items"`
	Note  string          `json:"note"`
}

func (a *API) createBatch(w http.ResponseWriter, r *http.Request) error {
	var req batchRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	b, err := a.statements().CreateBatch(r.Context(), req.Items, req.Note)
	if err != nil {
		return err
	}
	return created(w, b)
}

func (a *API) getBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.statements().GetBatch(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, b)
}

// batchFile sends the bank file: ?format=xlsx for Excel, else CSV.
func (a *API) batchFile(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.statements().GetBatch(r.Context(), id)
	if err != nil {
		return err
	}
	name := "batch-" + strconv.FormatInt(id, 10)
	if r.URL.Query().Get("format") == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		return statement.WriteXLSX(w, b)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return statement.WriteCSV(w, b)
}

func (a *API) payBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req statement.Payment
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	b, err := a.statements().RecordPayment(r.Context(), id, req)
	if err != nil {
		return err
	}
	return ok(w, b)
}

func (a *API) cancelBatch(w http.ResponseWriter, r *http.Request) error {
	return withReason(w, r, a.statements().CancelBatch)
}

func (a *API) listTrueUps(w http.ResponseWriter, r *http.Request) error {
	list, err := a.statements().TrueUps(r.Context(), atoi(r.URL.Query().Get("year"), 0))
	if err != nil {
		return err
	}
	if list == nil {
		list = []statement.TrueUp{}
	}
	return ok(w, map[string]any{"trueups": list})
}

type trueUpRequest struct {
	InstitutionID int64 `json:"institution_id"`
	Year          int   `json:"year"`
}

func (a *API) trueUp(w http.ResponseWriter, r *http.Request) error {
	var req trueUpRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	t, err := a.statements().YearEnd(r.Context(), req.InstitutionID, req.Year)
	if err != nil {
		return err
	}
	return created(w, t)
}
