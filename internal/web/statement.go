package web

import (
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/statement"
)

// stmtReaders may open the statement pages (an institution user sees its own).
var stmtReaders = []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector, access.Institution}

// statementRoutes are the monthly institution statement pages: the list of a
// month with the prepare form, and the printable statement with its review
// actions (docs/statements.md). Deductions, bank batches and the year-end
// true-up are in the API for now.
func (c *Console) statementRoutes() []httpx.Route {
	county := httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/statements", Roles: stmtReaders, Scope: httpx.ScopeOwn, Handler: c.statementList},
		{Method: "POST", Pattern: "/statements", Roles: []access.Role{access.Finance}, Scope: county, Handler: c.statementPrepare},
		{Method: "GET", Pattern: "/statements/{id}", Roles: stmtReaders, Scope: httpx.ScopeOwn, Handler: c.statementPage},
		{Method: "POST", Pattern: "/statements/{id}/step", Roles: []access.Role{access.Finance, access.Director}, Scope: county, Handler: c.statementStep},
	}
}

func (c *Console) statements() *statement.Service { return statement.New(c.db, statement.Options{}) }

// stmtListView is the data of the statement list.
type stmtListView struct {
	Period       string
	Items        []statement.Statement
	Institutions []Option
	CanPrepare   bool
}

func (c *Console) statementList(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("period")
	if p == "" {
		p = statement.PeriodOf(civil.Of(time.Now().In(statement.China))).String()
	}
	per, err := statement.ParsePeriod(p)
	if err != nil {
		return err
	}
	items, err := c.statements().List(r.Context(), statement.Filter{Period: per})
	if err != nil {
		return err
	}
	v := stmtListView{Period: per.String(), Items: items}
	if a, ok := access.FromContext(r.Context()); ok && a.Can(access.Finance) {
		v.CanPrepare = true
		is, _ := c.inst(false)
		insts, _, err := is.List(r.Context(), institution.Filter{Limit: 500})
		if err != nil {
			return err
		}
		for _, in := range insts {
			v.Institutions = append(v.Institutions, Option{Value: itoa64(in.ID), Label: in.Code + " " + in.Name})
		}
	}
	return c.render(w, r, "statement_list.html", View{Form: emptyForm("period", v.Period), Data: v})
}

func (c *Console) statementPrepare(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	per, err := statement.ParsePeriod(f.Get("period"))
	if err != nil {
		return err
	}
	st, err := c.statements().Prepare(r.Context(), f.Int("institution_id"), per)
	if err != nil {
		return c.stmtFail(w, r, err, "/statements?period="+per.String())
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已编制结算单", En: "Statement prepared"})
	http.Redirect(w, r, "/statements/"+itoa64(st.ID), http.StatusSeeOther)
	return nil
}

// stmtFail shows a user error as a flash on the page to go back to.
func (c *Console) stmtFail(w http.ResponseWriter, r *http.Request, err error, back string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	c.flash(w, Flash{Kind: "error", Zh: e.Zh, En: e.En})
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// stmtView is the data of the printable statement page.
type stmtView struct {
	St         statement.Statement
	Events     []statement.Event
	Deductions []statement.Deduction
	StatusZh   string
	StatusEn   string
	CanReview  bool
	CanApprove bool
}

func (c *Console) statementPage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := c.statements()
	st, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := stmtView{St: st}
	v.StatusZh, v.StatusEn = statement.StatusLabel(st.Status)
	if v.Events, err = s.Events(r.Context(), id); err != nil {
		return err
	}
	if v.Deductions, err = s.Deductions(r.Context(), statement.DeductionFilter{StatementID: id}); err != nil {
		return err
	}
	if a, ok := access.FromContext(r.Context()); ok && !a.Scope.IsInstitution() {
		v.CanReview = a.Can(access.Finance, access.Director) && (st.Status == statement.Draft || st.Status == statement.Checked)
		v.CanApprove = a.Can(access.Director) && st.Status == statement.Checked
	}
	return c.render(w, r, "statement_view.html", View{Data: v})
}

func (c *Console) statementStep(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s := c.statements()
	switch f.Get("step") {
	case "check":
		_, err = s.Check(r.Context(), id, f.Get("reason"))
	case "approve":
		_, err = s.Approve(r.Context(), id, f.Get("reason"))
	case "reject":
		_, err = s.Reject(r.Context(), id, f.Get("reason"))
	default:
		err = apperr.Field("step", "step", "未知操作", "unknown step")
	}
	back := "/statements/" + itoa64(id)
	if err != nil {
		return c.stmtFail(w, r, err, back)
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已办理", En: "Done"})
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
