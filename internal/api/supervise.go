package api

import (
	"net/http"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/statement"
	"ncms/internal/supervise"
	"ncms/internal/supervise/rules"
)

// superviseRoutes: supervision (docs/supervision.md) — screening
// configuration, cases, batch runs, indicators, sampling, blacklist.
// County-wide only; the service checks roles again.
func (a *API) superviseRoutes() []httpx.Route {
	rd, wk, cf := supervise.Readers, supervise.Workers, supervise.Configurers
	c := httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/supervision/rules", Roles: rd, Scope: c, Handler: a.supRules},
		{Method: "GET", Pattern: "/supervision/config", Roles: rd, Scope: c, Handler: a.supConfig},
		{Method: "PUT", Pattern: "/supervision/config", Roles: cf, Scope: c, Handler: a.supSaveConfig},
		{Method: "GET", Pattern: "/supervision/cases", Roles: rd, Scope: c, Handler: a.supCases},
		{Method: "GET", Pattern: "/supervision/cases/{id}", Roles: rd, Scope: c, Handler: a.supCase},
		{Method: "POST", Pattern: "/supervision/cases/{id}/assign", Roles: wk, Scope: c, Handler: a.supCaseStep("assign")},
		{Method: "POST", Pattern: "/supervision/cases/{id}/investigate", Roles: wk, Scope: c, Handler: a.supCaseStep("investigate")},
		{Method: "POST", Pattern: "/supervision/cases/{id}/note", Roles: wk, Scope: c, Handler: a.supCaseStep("note")},
		{Method: "POST", Pattern: "/supervision/cases/{id}/close", Roles: wk, Scope: c, Handler: a.supCaseStep("close")},
		{Method: "GET", Pattern: "/supervision/runs", Roles: rd, Scope: c, Handler: a.supRuns},
		{Method: "POST", Pattern: "/supervision/runs", Roles: wk, Scope: c, Handler: a.supRun},
		{Method: "GET", Pattern: "/supervision/indicators", Roles: rd, Scope: c, Handler: a.supIndicators},
		{Method: "POST", Pattern: "/supervision/indicators", Roles: wk, Scope: c, Handler: a.supComputeIndicators},
		{Method: "GET", Pattern: "/supervision/samples", Roles: rd, Scope: c, Handler: a.supSamples},
		{Method: "POST", Pattern: "/supervision/samples", Roles: wk, Scope: c, Handler: a.supDraw},
		{Method: "GET", Pattern: "/supervision/samples/{id}", Roles: rd, Scope: c, Handler: a.supSample},
		{Method: "GET", Pattern: "/supervision/samples/{id}/verify", Roles: rd, Scope: c, Handler: a.supVerify},
		{Method: "POST", Pattern: "/supervision/samples/{id}/items/{seq}", Roles: wk, Scope: c, Handler: a.supOutcome},
		{Method: "GET", Pattern: "/supervision/blacklist", Roles: rd, Scope: c, Handler: a.supBlacklist},
		{Method: "POST", Pattern: "/supervision/blacklist", Roles: wk, Scope: c, Handler: a.supBlacklistAdd},
		{Method: "POST", Pattern: "/supervision/blacklist/{id}/lift", Roles: wk, Scope: c, Handler: a.supBlacklistLift},
	}
}

func (a *API) supervise() *supervise.Service { return supervise.New(a.db, supervise.Options{}) }

func (a *API) supRules(w http.ResponseWriter, r *http.Request) error {
	type info struct {
		Code          string `json:"code"`
		Zh            string `json:"name_zh"`
		En            string `json:"name_en"`
		PerSettlement bool   `json:"per_settlement"`
	}
	var out []info
	for _, x := range rules.All {
		out = append(out, info{x.Code, x.Zh, x.En, x.PerSettlement})
	}
	return ok(w, map[string]any{"rules": out})
}

func (a *API) supConfig(w http.ResponseWriter, r *http.Request) error {
	year := atoi(r.URL.Query().Get("year"), a.supervise().Today().Year)
	c, err := a.supervise().Config(r.Context(), year)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) supSaveConfig(w http.ResponseWriter, r *http.Request) error {
	var c rules.Config
	if err := httpx.ReadJSON(r, &c); err != nil {
		return err
	}
	c, err := a.supervise().SaveConfig(r.Context(), c)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) supCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := supervise.Filter{Status: q.Get("status"), Rule: q.Get("rule"), InstitutionID: int64(atoi(q.Get("institution_id"), 0)),
		Assignee: q.Get("assignee"), Limit: atoi(q.Get("limit"), 200), Offset: atoi(q.Get("offset"), 0)}
	s := a.supervise()
	list, n, err := s.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	counts, err := s.Counts(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []supervise.Case{}
	}
	return ok(w, map[string]any{"cases": list, "total": n, "counts": counts})
}

func (a *API) supCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.supervise().Case(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, c)
}

type caseStepRequest struct {
	Assignee string    `json:"assignee"`
	Note     string    `json:"note"`
	Outcome  string    `json:"outcome"`
	Amount   money.Fen `json:"amount"`
}

func (a *API) supCaseStep(step string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		var req caseStepRequest
		if err := httpx.ReadJSON(r, &req); err != nil {
			return err
		}
		s := a.supervise()
		var c supervise.Case
		switch step {
		case "assign":
			c, err = s.Assign(r.Context(), id, req.Assignee)
		case "investigate":
			c, err = s.Investigate(r.Context(), id, req.Note)
		case "note":
			c, err = s.AddNote(r.Context(), id, req.Note)
		default:
			c, err = s.Close(r.Context(), id, supervise.CloseRequest{Outcome: req.Outcome, Note: req.Note, Amount: req.Amount})
		}
		if err != nil {
			return err
		}
		return ok(w, c)
	}
}

func (a *API) supRuns(w http.ResponseWriter, r *http.Request) error {
	runs, err := a.supervise().Runs(r.Context())
	if err != nil {
		return err
	}
	if runs == nil {
		runs = []supervise.Run{}
	}
	return ok(w, map[string]any{"runs": runs})
}

type runRequest struct {
	From civil.Date `json:"from"`
	To   civil.Date `json:"to"`
}

func (a *API) supRun(w http.ResponseWriter, r *http.Request) error {
	var req runRequest
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	run, err := a.supervise().RunScreen(r.Context(), req.From, req.To)
	if err != nil {
		return err
	}
	return created(w, run)
}

func (a *API) supIndicators(w http.ResponseWriter, r *http.Request) error {
	p, err := statement.ParsePeriod(r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	rows, err := a.supervise().Indicators(r.Context(), p)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []supervise.IndicatorRow{}
	}
	return ok(w, map[string]any{"period": p, "indicators": rows})
}

func (a *API) supComputeIndicators(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Period statement.Period `json:"period"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	rows, run, err := a.supervise().ComputeIndicators(r.Context(), req.Period)
	if err != nil {
		return err
	}
	return created(w, map[string]any{"run": run, "indicators": rows})
}

func (a *API) supSamples(w http.ResponseWriter, r *http.Request) error {
	list, err := a.supervise().Samples(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []supervise.Sample{}
	}
	return ok(w, map[string]any{"samples": list})
}

func (a *API) supDraw(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind   string           `json:"kind"`
		Period statement.Period `json:"period"`
		Seed   string           `json:"seed"` // decimal; empty draws a random seed
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	var seed int64
	if req.Seed != "" {
		v, err := strconv.ParseInt(req.Seed, 10, 64)
		if err != nil || v <= 0 {
			return apperr.Field("seed", "invalid", "种子应为正整数", "the seed must be a positive integer")
		}
		seed = v
	}
	sm, err := a.supervise().Draw(r.Context(), req.Kind, req.Period, seed)
	if err != nil {
		return err
	}
	return created(w, sm)
}

func (a *API) supSample(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	sm, err := a.supervise().Sample(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, sm)
}

func (a *API) supVerify(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	same, err := a.supervise().Verify(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"reproduced": same})
}

func (a *API) supOutcome(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	seq, err := httpx.PathID(r, "seq")
	if err != nil {
		return err
	}
	var req struct {
		Outcome string `json:"outcome"`
		Note    string `json:"note"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	it, err := a.supervise().RecordOutcome(r.Context(), id, int(seq), req.Outcome, req.Note)
	if err != nil {
		return err
	}
	return ok(w, it)
}

func (a *API) supBlacklist(w http.ResponseWriter, r *http.Request) error {
	list, err := a.supervise().Blacklist(r.Context(), r.URL.Query().Get("current") == "1")
	if err != nil {
		return err
	}
	if list == nil {
		list = []supervise.Entry{}
	}
	return ok(w, map[string]any{"entries": list})
}

func (a *API) supBlacklistAdd(w http.ResponseWriter, r *http.Request) error {
	var e supervise.Entry
	if err := httpx.ReadJSON(r, &e); err != nil {
		return err
	}
	e, err := a.supervise().AddToBlacklist(r.Context(), e)
	if err != nil {
		return err
	}
	return created(w, e)
}

func (a *API) supBlacklistLift(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	e, err := a.supervise().LiftBlacklist(r.Context(), id, req.Reason)
	if err != nil {
		return err
	}
	return ok(w, e)
}
