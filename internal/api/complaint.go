package api

import (
	"net/http"

	"ncms/internal/civil"
	"ncms/internal/complaint"
	"ncms/internal/httpx"
	"ncms/internal/money"
)

// complaintRoutes: complaints and tip-offs (docs/complaints.md).
func (a *API) complaintRoutes() []httpx.Route {
	c := httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/complaints", Roles: complaint.Readers, Scope: c, Handler: a.listComplaints},
		{Method: "POST", Pattern: "/complaints", Roles: complaint.Intake, Scope: c, Handler: a.receiveComplaint},
		{Method: "GET", Pattern: "/complaints/{id}", Roles: complaint.Readers, Scope: c, Handler: a.getComplaint},
		{Method: "POST", Pattern: "/complaints/{id}/assign", Roles: complaint.Assigners, Scope: c, Handler: a.complaintStep("assign")},
		{Method: "POST", Pattern: "/complaints/{id}/answer", Roles: complaint.Assigners, Scope: c, Handler: a.complaintStep("answer")},
		{Method: "POST", Pattern: "/complaints/{id}/confirm", Roles: complaint.Deciders, Scope: c, Handler: a.complaintStep("confirm")},
		{Method: "POST", Pattern: "/complaints/{id}/reward", Roles: complaint.Deciders, Scope: c, Handler: a.complaintStep("reward")},
		{Method: "POST", Pattern: "/complaints/{id}/reward-paid", Roles: complaint.Payers, Scope: c, Handler: a.complaintStep("reward_paid")},
	}
}

func (a *API) complaints() *complaint.Service { return complaint.New(a.db, nil) }

func (a *API) listComplaints(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := a.complaints().List(r.Context(), complaint.Filter{Status: q.Get("status"), Assignee: q.Get("assignee"),
		Limit: atoi(q.Get("limit"), 200)})
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"complaints": list})
}

func (a *API) receiveComplaint(w http.ResponseWriter, r *http.Request) error {
	var req complaint.Item
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	it, err := a.complaints().Receive(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, it)
}

func (a *API) getComplaint(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	it, evs, err := a.complaints().Get(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"complaint": it, "events": evs})
}

// complaintStep answers the workflow steps; the body carries the step's
// fields: assignee and due_on; answer and finding; reopen and note;
// reward; paid_on.
func (a *API) complaintStep(step string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		var req struct {
			Assignee string     `json:"assignee"`
			DueOn    civil.Date `json:"due_on"`
			Answer   string     `json:"answer"`
			Finding  string     `json:"finding"`
			Reopen   bool       `json:"reopen"`
			Note     string     `json:"note"`
			Reward   money.Fen  `json:"reward"`
			PaidOn   civil.Date `json:"paid_on"`
		}
		if err := httpx.ReadJSON(r, &req); err != nil {
			return err
		}
		s := a.complaints()
		var it complaint.Item
		switch step {
		case "assign":
			it, err = s.Assign(r.Context(), id, req.Assignee, req.DueOn)
		case "answer":
			it, err = s.Answer(r.Context(), id, req.Answer, req.Finding)
		case "confirm":
			it, err = s.Confirm(r.Context(), id, req.Reopen, req.Note)
		case "reward":
			it, err = s.GrantReward(r.Context(), id, req.Reward)
		default:
			it, err = s.RewardPaid(r.Context(), id, req.PaidOn)
		}
		if err != nil {
			return err
		}
		return ok(w, it)
	}
}
