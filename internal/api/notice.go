package api

import (
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/notice"
	"ncms/internal/outbox"
	"ncms/internal/statement"
)

// noticeRoutes: public notices (generate, review, publish, withdraw),
// deduction notices with the institution's response, the decision and the
// patients' refunds, and the outbox (docs/notices.md).
func (a *API) noticeRoutes() []httpx.Route {
	area, county := httpx.ScopeArea, httpx.ScopeCounty
	deducters := []access.Role{access.Finance, access.Inspector, access.Director}
	dedReaders := []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector, access.Institution}
	return []httpx.Route{
		{Method: "GET", Pattern: "/notices", Roles: notice.Readers, Scope: area, Handler: a.listNotices},
		{Method: "POST", Pattern: "/notices", Roles: notice.Makers, Scope: area, Handler: a.generateNotices},
		{Method: "GET", Pattern: "/notices/{id}", Roles: notice.Readers, Scope: area, Handler: a.getNotice},
		{Method: "POST", Pattern: "/notices/{id}/review", Roles: notice.Checkers, Scope: area, Handler: a.noticeStep("review")},
		{Method: "POST", Pattern: "/notices/{id}/publish", Roles: notice.Publishers, Scope: area, Handler: a.noticeStep("publish")},
		{Method: "POST", Pattern: "/notices/{id}/withdraw", Roles: notice.Publishers, Scope: area, Handler: a.noticeStep("withdraw")},
		{Method: "POST", Pattern: "/statements/deductions/notices", Roles: deducters, Scope: county, Handler: a.issueDeductionNotice},
		{Method: "GET", Pattern: "/statements/deductions/{id}/notice", Roles: dedReaders, Scope: httpx.ScopeOwn, Handler: a.getDeductionNotice},
		{Method: "POST", Pattern: "/statements/deductions/{id}/response", Roles: []access.Role{access.Institution},
			Scope: httpx.ScopeInstitution, Handler: a.respondDeduction},
		{Method: "POST", Pattern: "/statements/deductions/{id}/decision", Roles: []access.Role{access.Director}, Scope: county,
			Handler: a.decideDeduction},
		{Method: "GET", Pattern: "/statements/deductions/{id}/refunds", Roles: dedReaders, Scope: httpx.ScopeOwn, Handler: a.listRefunds},
		{Method: "POST", Pattern: "/statements/deductions/{id}/refunds", Roles: deducters, Scope: county, Handler: a.addRefund},
		{Method: "POST", Pattern: "/statements/deductions/{id}/refunded", Roles: deducters, Scope: county, Handler: a.markRefunded},
		{Method: "GET", Pattern: "/outbox", Roles: outbox.Readers, Scope: county, Handler: a.listOutbox},
		{Method: "POST", Pattern: "/outbox/{id}/retry", Roles: []access.Role{access.Admin, access.Director}, Scope: county,
			Handler: a.retryOutbox},
	}
}

func (a *API) notices() *notice.Service { return notice.New(a.db, nil) }

func (a *API) listNotices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := a.notices().List(r.Context(), notice.Filter{Period: q.Get("period"), Status: q.Get("status"), Kind: q.Get("kind")})
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"notices": list})
}

// generateNotices: {"period": "2026-01", "kind": "compensation"|"fund", "area_id": 0}.
// Without area_id a compensation request makes the month's three levels.
func (a *API) generateNotices(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Period string `json:"period"`
		Kind   string `json:"kind"`
		AreaID int64  `json:"area_id"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	s := a.notices()
	switch {
	case req.Kind == notice.Fund:
		n, err := s.GenerateFund(r.Context(), req.Period)
		if err != nil {
			return err
		}
		return created(w, map[string]any{"notices": []notice.Notice{n}})
	case req.AreaID != 0:
		n, err := s.Generate(r.Context(), req.Period, req.AreaID)
		if err != nil {
			return err
		}
		return created(w, map[string]any{"notices": []notice.Notice{n}})
	}
	ns, err := s.GenerateMonth(r.Context(), req.Period)
	if err != nil {
		return err
	}
	return created(w, map[string]any{"notices": ns})
}

func (a *API) getNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	n, rows, err := a.notices().Get(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"notice": n, "rows": rows, "sums": n.Sums(rows)})
}

func (a *API) noticeStep(step string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		var req struct {
			From   civil.Date `json:"publish_from"`
			To     civil.Date `json:"publish_to"`
			Reason string     `json:"reason"`
		}
		if step != "review" {
			if err := httpx.ReadJSON(r, &req); err != nil {
				return err
			}
		}
		s := a.notices()
		var n notice.Notice
		switch step {
		case "review":
			n, err = s.Review(r.Context(), id)
		case "publish":
			n, err = s.Publish(r.Context(), id, req.From, req.To)
		default:
			n, err = s.Withdraw(r.Context(), id, req.Reason)
		}
		if err != nil {
			return err
		}
		return ok(w, n)
	}
}

func (a *API) issueDeductionNotice(w http.ResponseWriter, r *http.Request) error {
	var req statement.NoticeInput
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	d, err := a.statements().IssueDeductionNotice(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, d)
}

func (a *API) getDeductionNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, n, err := a.statements().DeductionNoticeOf(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"deduction": d, "notice": n})
}

func (a *API) respondDeduction(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Response string `json:"response"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	n, err := a.statements().RespondToDeduction(r.Context(), id, req.Response)
	if err != nil {
		return err
	}
	return ok(w, n)
}

func (a *API) decideDeduction(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Confirm bool      `json:"confirm"`
		Amount  money.Fen `json:"amount"`
		Note    string    `json:"note"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	d, err := a.statements().DecideDeduction(r.Context(), id, req.Confirm, req.Amount, req.Note)
	if err != nil {
		return err
	}
	return ok(w, d)
}

func (a *API) listRefunds(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	rs, err := a.statements().Refunds(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"refunds": rs})
}

func (a *API) addRefund(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var req statement.Refund
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	req.DeductionID = id
	out, err := a.statements().AddRefund(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, out)
}

func (a *API) markRefunded(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		RefundID   int64      `json:"refund_id"`
		RefundedOn civil.Date `json:"refunded_on"`
	}
	if err := httpx.ReadJSON(r, &req); err != nil {
		return err
	}
	out, err := a.statements().MarkRefunded(r.Context(), req.RefundID, req.RefundedOn)
	if err != nil {
		return err
	}
	return ok(w, out)
}

// outboxItem is a message with its recipient masked.
type outboxItem struct {
	outbox.Message
	Recipient string `json:"recipient"`
}

func (a *API) listOutbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ms, counts, err := outbox.List(r.Context(), a.db, outbox.Filter{Status: q.Get("status"), Kind: q.Get("kind"), Limit: atoi(q.Get("limit"), 100)})
	if err != nil {
		return err
	}
	items := make([]outboxItem, 0, len(ms))
	for _, m := range ms {
		items = append(items, outboxItem{Message: m, Recipient: outbox.MaskPhone(m.Recipient)})
	}
	return ok(w, map[string]any{"messages": items, "counts": counts})
}

func (a *API) retryOutbox(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := outbox.Retry(r.Context(), a.db, id, time.Now()); err != nil {
		return err
	}
	return ok(w, map[string]any{"id": id, "status": outbox.Pending})
}
