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

// Role sets of the statement pages (docs/statements.md "Steps and who may
// take them"); the service checks the same rules again.
var (
	// stmtReaders may open statements and deductions (an institution user sees its own).
	stmtReaders = []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector, access.Institution}
	// stmtCounty may open the county-wide pages (terms, true-up).
	stmtCounty    = []access.Role{access.Finance, access.Director, access.Auditor, access.Admin, access.Inspector}
	stmtFinance   = []access.Role{access.Finance}
	stmtReviewers = []access.Role{access.Finance, access.Director}
	stmtDeducters = []access.Role{access.Finance, access.Inspector, access.Director}
	stmtTermsSet  = []access.Role{access.Finance, access.Director, access.Admin}
	stmtBatchRead = []access.Role{access.Finance, access.Director, access.Auditor, access.Admin}
)

// statementRoutes are the monthly institution statement pages: the list of
// a month with the prepare form (one institution or all), the printable
// statement with its review steps and history, deductions, agreement terms,
// bank batches (file, payment, cancel) and the year-end true-up.
func (c *Console) statementRoutes() []httpx.Route {
	county, own := httpx.ScopeCounty, httpx.ScopeOwn
	return []httpx.Route{
		{Method: "GET", Pattern: "/statements", Roles: stmtReaders, Scope: own, Handler: c.statementList},
		{Method: "POST", Pattern: "/statements", Roles: stmtFinance, Scope: county, Handler: c.statementPrepare},
		{Method: "GET", Pattern: "/statements/{id}", Roles: stmtReaders, Scope: own, Handler: c.statementPage},
		{Method: "POST", Pattern: "/statements/{id}/step", Roles: stmtReviewers, Scope: county, Handler: c.statementStep},
		{Method: "GET", Pattern: "/statements/deductions", Roles: stmtReaders, Scope: own, Handler: c.deductionList},
		{Method: "POST", Pattern: "/statements/deductions", Roles: stmtDeducters, Scope: county, Handler: c.deductionAdd},
		{Method: "POST", Pattern: "/statements/deductions/{id}/cancel", Roles: stmtDeducters, Scope: county, Handler: c.deductionCancel},
		{Method: "GET", Pattern: "/statements/terms", Roles: stmtCounty, Scope: county, Handler: c.termsPage},
		{Method: "POST", Pattern: "/statements/terms", Roles: stmtTermsSet, Scope: county, Handler: c.termsSet},
		{Method: "GET", Pattern: "/statements/batches", Roles: stmtBatchRead, Scope: county, Handler: c.batchList},
		{Method: "POST", Pattern: "/statements/batches", Roles: stmtFinance, Scope: county, Handler: c.batchCreate},
		{Method: "GET", Pattern: "/statements/batches/{id}", Roles: stmtBatchRead, Scope: county, Handler: c.batchPage},
		{Method: "GET", Pattern: "/statements/batches/{id}/file", Roles: stmtBatchRead, Scope: county, Handler: c.batchFile},
		{Method: "POST", Pattern: "/statements/batches/{id}/payment", Roles: stmtFinance, Scope: county, Handler: c.batchPay},
		{Method: "POST", Pattern: "/statements/batches/{id}/cancel", Roles: stmtFinance, Scope: county, Handler: c.batchCancel},
		{Method: "GET", Pattern: "/statements/trueups", Roles: stmtCounty, Scope: county, Handler: c.trueUpPage},
		{Method: "POST", Pattern: "/statements/trueups", Roles: stmtReviewers, Scope: county, Handler: c.trueUpPerform},
	}
}

// statements returns the statement service; bank batches also carry
// approved manual claims.
func (c *Console) statements() *statement.Service {
	return statement.New(c.db, statement.Options{Sources: []statement.Source{statement.Claims{Svc: c.claims()}}})
}

// actorOf returns the caller of r.
func actorOf(r *http.Request) access.Actor {
	a, _ := access.FromContext(r.Context())
	return a
}

// countyWide reports whether the caller works county-wide (not bound to an
// institution).
func countyWide(a access.Actor) bool { return !a.Scope.IsInstitution() && a.Scope.AreaPath != "" }

// stmtRow is a statement with its status in words.
type stmtRow struct {
	statement.Statement
	StatusZh, StatusEn string
}

func stmtRowOf(st statement.Statement) stmtRow {
	zh, en := statement.StatusLabel(st.Status)
	return stmtRow{st, zh, en}
}

// prepResult is the outcome of preparing one institution's statement.
type prepResult struct {
	Institution string
	ID          int64
	Payable     string
	Zh, En      string // the reason it was not prepared
}

// stmtListView is the data of the statement list.
type stmtListView struct {
	Period       string
	Items        []stmtRow
	Table        *List[stmtRow] // Items sorted (?sort=), one page of it
	Institutions []Option
	CanPrepare   bool
	Results      []prepResult // after "prepare for all institutions"
}

// institutionOptions lists the institutions (code and name) for a select.
func (c *Console) institutionOptions(r *http.Request, withAll bool) ([]Option, []institution.Institution, error) {
	is, _ := c.inst(false)
	insts, _, err := is.List(r.Context(), institution.Filter{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	var opts []Option
	if withAll {
		opts = append(opts, Option{Value: "all", Label: "— 全部机构 / all institutions —"})
	}
	for _, in := range insts {
		opts = append(opts, Option{Value: itoa64(in.ID), Label: in.Code + " " + in.Name})
	}
	return opts, insts, nil
}

func (c *Console) statementList(w http.ResponseWriter, r *http.Request) error {
	return c.renderStatementList(w, r, nil, nil)
}

func (c *Console) renderStatementList(w http.ResponseWriter, r *http.Request, f *Form, results []prepResult) error {
	p := r.URL.Query().Get("period")
	if f != nil && f.Get("period") != "" {
		p = f.Get("period")
	}
	if p == "" {
		p = statement.PeriodOf(civil.Of(time.Now().In(statement.China))).String()
	}
	per, err := statement.ParsePeriod(p)
	if err != nil {
		if f == nil {
			f = emptyForm()
		}
		f.Catch(err)
		per = statement.PeriodOf(civil.Of(time.Now().In(statement.China)))
	}
	items, err := c.statements().List(r.Context(), statement.Filter{Period: per})
	if err != nil {
		return err
	}
	v := stmtListView{Period: per.String(), Results: results}
	for _, st := range items {
		v.Items = append(v.Items, stmtRowOf(st))
	}
	v.Table = newList(r, "statements", statementColumns(Lang(r)), v.Items, "", 50)
	if r.Method == http.MethodGet && wantsXLSX(r) {
		return v.Table.Export(w, "statements-"+v.Period, "月度结算单")
	}
	if a := actorOf(r); a.Can(access.Finance) && countyWide(a) {
		v.CanPrepare = true
		if v.Institutions, _, err = c.institutionOptions(r, true); err != nil {
			return err
		}
	}
	if f == nil {
		f = emptyForm("period", v.Period)
	}
	status := f.Status
	return c.render(w, r, "statement_list.html", View{Status: status, Form: f, Data: v})
}

// statementPrepare prepares (or refreshes) the month's statement of one
// institution, or of every institution not withdrawn ("all"): each in its
// own transaction, the refusals listed on the page.
func (c *Console) statementPrepare(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	per, err := statement.ParsePeriod(f.Get("period"))
	if f.Catch(err) {
		return c.renderStatementList(w, r, f, nil)
	}
	s := c.statements()
	if f.Get("institution_id") == "all" {
		_, insts, err := c.institutionOptions(r, false)
		if err != nil {
			return err
		}
		var res []prepResult
		for _, in := range insts {
			if in.Status == institution.Withdrawn {
				continue
			}
			pr := prepResult{Institution: in.Code + " " + in.Name}
			st, err := s.Prepare(r.Context(), in.ID, per)
			if e, ok := apperr.As(err); ok {
				pr.Zh, pr.En = e.Zh, e.En
			} else if err != nil {
				return err
			} else {
				pr.ID, pr.Payable = st.ID, st.Payable.String()
			}
			res = append(res, pr)
		}
		return c.renderStatementList(w, r, f, res)
	}
	if f.Int("institution_id") == 0 {
		f.Catch(apperr.Field("institution_id", "required", "请选择医疗机构", "choose an institution"))
		return c.renderStatementList(w, r, f, nil)
	}
	st, err := s.Prepare(r.Context(), f.Int("institution_id"), per)
	if f.Catch(err) {
		return c.renderStatementList(w, r, f, nil)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已编制结算单", En: "Statement prepared"})
	return redirect(w, r, "/statements/"+itoa64(st.ID))
}

// stmtEvent is a history row with its step in words.
type stmtEvent struct {
	statement.Event
	StepZh, StepEn string
}

// stepLabel names a history step.
func stepLabel(step string) (zh, en string) {
	switch step {
	case "prepare":
		return "编制", "prepared"
	case "refresh":
		return "重新编制", "prepared again"
	case "check":
		return "复核", "checked"
	case "approve":
		return "审批", "approved"
	case "reject":
		return "退回", "rejected"
	case "batch":
		return "列入支付批次", "put in a bank batch"
	case "unbatch":
		return "移出支付批次", "taken out of a bank batch"
	case "pay":
		return "支付", "paid"
	}
	return step, step
}

// stmtView is the data of the printable statement page.
type stmtView struct {
	St         stmtRow
	Events     []stmtEvent
	Deductions []statement.Deduction
	CanCheck   bool
	CanApprove bool
	CanReject  bool
	CanRefresh bool
	// Why is shown to a reviewer who may take no step (maker-checker).
	WhyZh, WhyEn string
}

func (c *Console) statementPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderStatement(w, r, nil)
}

func (c *Console) renderStatement(w http.ResponseWriter, r *http.Request, f *Form) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := c.statements()
	st, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := stmtView{St: stmtRowOf(st)}
	evs, err := s.Events(r.Context(), id)
	if err != nil {
		return err
	}
	for _, e := range evs {
		zh, en := stepLabel(e.Step)
		v.Events = append(v.Events, stmtEvent{e, zh, en})
	}
	if v.Deductions, err = s.Deductions(r.Context(), statement.DeductionFilter{StatementID: id}); err != nil {
		return err
	}
	a := actorOf(r)
	if countyWide(a) {
		open := st.Status == statement.Draft || st.Status == statement.Checked
		mine := st.PreparedBy == a.Username
		v.CanCheck = a.Can(access.Finance, access.Director) && st.Status == statement.Draft && !mine
		v.CanApprove = a.Can(access.Director) && st.Status == statement.Checked && !mine && st.CheckedBy != a.Username
		v.CanReject = a.Can(access.Finance, access.Director) && open && !mine
		v.CanRefresh = a.Can(access.Finance) && st.Status == statement.Draft
		switch {
		case !open || !a.Can(access.Finance, access.Director):
		case mine:
			v.WhyZh, v.WhyEn = "您编制了这份结算单,须由其他人复核、主任审批。", "You prepared this statement: another user checks it and a director approves it."
		case st.Status == statement.Checked && st.CheckedBy == a.Username:
			v.WhyZh, v.WhyEn = "您已复核这份结算单,须由另一位主任审批。", "You checked this statement: another director approves it."
		case st.Status == statement.Checked && !a.Can(access.Director):
			v.WhyZh, v.WhyEn = "已复核,待主任审批。", "Checked; awaiting a director's approval."
		}
	}
	if f == nil {
		f = emptyForm()
	}
	return c.render(w, r, "statement_view.html", View{Status: f.Status, Form: f, Data: v})
}

// statementStep takes a review step: check, approve or reject (reason
// required). Refusals — maker-checker, a missing reason, a statement that
// changed — are shown on the statement page.
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
	var msgZh, msgEn string
	switch f.Get("step") {
	case "check":
		_, err = s.Check(r.Context(), id, f.Get("reason"))
		msgZh, msgEn = "已复核", "Checked"
	case "approve":
		_, err = s.Approve(r.Context(), id, f.Get("reason"))
		msgZh, msgEn = "已审批", "Approved"
	case "reject":
		_, err = s.Reject(r.Context(), id, f.Get("reason"))
		msgZh, msgEn = "已退回", "Rejected"
	case "refresh":
		var st statement.Statement
		if st, err = s.Get(r.Context(), id); err == nil {
			_, err = s.Prepare(r.Context(), st.InstitutionID, st.Period)
		}
		msgZh, msgEn = "已重新编制", "Prepared again"
	default:
		err = apperr.Field("step", "step", "未知操作", "unknown step")
	}
	if f.Catch(err) {
		return c.renderStatement(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: msgZh, En: msgEn})
	return redirect(w, r, "/statements/"+itoa64(id))
}

// stmtFail shows a user error as a flash on the page to go back to (other
// pages use it for actions whose form lives on another page).
func (c *Console) stmtFail(w http.ResponseWriter, r *http.Request, err error, back string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	c.flash(w, Flash{Kind: "error", Zh: e.Zh, En: e.En})
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
