package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/engine"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// Roles of the claims pages (the service checks each step's role and scope).
var (
	claimViewers  = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance, access.Inspector, access.Director, access.Village, access.Auditor}
	claimFilers   = []access.Role{access.Enrollment, access.Reviewer}
	claimDeciders = []access.Role{access.Reviewer, access.Director, access.Village}
)

// claimLineRows is how many line rows the filing form offers.
const claimLineRows = 12

// claimRoutes: manual reimbursement (docs/claims.md).
func (c *Console) claimRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/claims", Roles: claimViewers, Scope: httpx.ScopeArea, Handler: c.claimQueues},
		{Method: "GET", Pattern: "/claims/new", Roles: claimFilers, Scope: httpx.ScopeArea, Handler: c.claimNew},
		{Method: "POST", Pattern: "/claims/new", Roles: claimFilers, Scope: httpx.ScopeArea, Handler: c.claimFile},
		{Method: "GET", Pattern: "/claims/{id}", Roles: claimViewers, Scope: httpx.ScopeArea, Handler: c.claimPage},
		{Method: "POST", Pattern: "/claims/{id}/decide", Roles: claimDeciders, Scope: httpx.ScopeArea, Handler: c.claimDecide},
	}
}

func (c *Console) claims() *claims.Service {
	return claims.New(c.db, claims.Options{Settle: c.settle}) // c.settle screens: blacklisted persons cannot file
}

// queueTab is one stage of the queues with its count.
type queueTab struct {
	Stage    claims.Stage
	Zh, En   string
	Count    int
	Selected bool
}

type claimQueuesView struct {
	Tabs   []queueTab
	Stage  claims.Stage
	Claims []claims.Claim
	Table  *List[claims.Claim] // Claims sorted (?sort=), one page of it
	Total  int
	CanNew bool
}

// claimQueues shows the claims of the caller's area by stage, with counts.
func (c *Console) claimQueues(w http.ResponseWriter, r *http.Request) error {
	s := c.claims()
	counts, err := s.Counts(r.Context())
	if err != nil {
		return err
	}
	a, _ := access.FromContext(r.Context())
	st := claims.Stage(r.URL.Query().Get("stage"))
	if !st.Valid() {
		st = ""
		for _, x := range claims.ReviewStages { // default: the first queue the caller works
			if a.Can(stageRoles(x)...) && counts[x] > 0 {
				st = x
				break
			}
		}
	}
	v := claimQueuesView{Stage: st, CanNew: a.Can(claimFilers...)}
	for _, x := range append(append([]claims.Stage{}, claims.ReviewStages...), claims.Approved, claims.Paid, claims.Rejected) {
		zh, en := x.Label()
		v.Tabs = append(v.Tabs, queueTab{Stage: x, Zh: zh, En: en, Count: counts[x], Selected: x == st})
	}
	if v.Claims, v.Total, err = s.List(r.Context(), claims.Filter{Stage: st, Limit: 500}); err != nil {
		return err
	}
	v.Table = newList(r, "claim-list", claimColumns(Lang(r)), v.Claims, "", 50)
	if wantsXLSX(r) {
		return v.Table.Export(w, "claims", "手工报销")
	}
	return c.render(w, r, "claims.html", View{Data: v})
}

// stageRoles are the roles that work a stage's queue.
func stageRoles(st claims.Stage) []access.Role {
	switch st {
	case claims.Village:
		return []access.Role{access.Village}
	case claims.County:
		return []access.Role{access.Director}
	}
	return []access.Role{access.Reviewer, access.Director}
}

type claimFormView struct {
	Institutions []Option
	MedTypes     []Option
	Documents    []claims.Document
	Rows         []int
	Deadline     int
	Checked      map[string]bool // documents ticked
}

func (c *Console) claimNew(w http.ResponseWriter, r *http.Request) error {
	return c.renderClaimForm(w, r, emptyForm("med_type", "21"))
}

func (c *Console) renderClaimForm(w http.ResponseWriter, r *http.Request, f *Form) error {
	p := &Page{Lang: Lang(r)}
	insts, _, err := institution.New(c.db, institution.Options{}).List(r.Context(), institution.Filter{Limit: 500})
	if err != nil {
		return err
	}
	v := claimFormView{Institutions: []Option{{Value: "", Label: "—"}}, Documents: claims.Documents, Checked: map[string]bool{}}
	for _, d := range f.Values["documents"] {
		v.Checked[d] = true
	}
	for _, in := range insts {
		lz, le := in.Level.Label()
		where := p.Tr("县内", "in county")
		if !in.InCounty {
			where = p.Tr("县外", "out of county")
		}
		v.Institutions = append(v.Institutions, Option{Value: itoa64(in.ID), Label: in.Name + " · " + p.Tr(lz, le) + " · " + where})
	}
	for _, m := range claims.MedTypes {
		v.MedTypes = append(v.MedTypes, Option{Value: m.Code, Label: m.Code + " " + p.Tr(m.Zh, m.En)})
	}
	for i := 1; i <= claimLineRows; i++ {
		v.Rows = append(v.Rows, i)
	}
	if v.Deadline, err = c.claims().DeadlineMonths(r.Context()); err != nil {
		return err
	}
	return c.render(w, r, "claims_new.html", View{Status: f.Status, Form: f, Data: v})
}

// claimFile files the claim from the form. The person is found by ID
// number in the POST body (never in a URL).
func (c *Console) claimFile(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	req, err := claimRequest(f)
	if catchAll(f, err) {
		return c.renderClaimForm(w, r, f)
	}
	cl, err := c.claims().File(r.Context(), req)
	if catchAll(f, err) {
		return c.renderClaimForm(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "报销申请已受理,编号 " + claims.Reference(cl.ID), En: "Claim filed: " + claims.Reference(cl.ID)})
	http.Redirect(w, r, "/claims/"+itoa64(cl.ID), http.StatusSeeOther)
	return nil
}

// claimRequest reads the filing form; line rows left empty are skipped.
func claimRequest(f *Form) (claims.FileRequest, error) {
	var col apperr.Collector
	date := func(name string) civil.Date {
		s := f.Get(name)
		if s == "" {
			return civil.Date{}
		}
		d, err := civil.Parse(s)
		if err != nil {
			col.AddField(name, "date", "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
		}
		return d
	}
	req := claims.FileRequest{IDNumber: f.Get("certno"), InstitutionID: f.Int("institution_id"), MedType: f.Get("med_type"),
		Begin: date("begntime"), End: date("endtime"), Invoice: f.Get("invono"), Documents: f.Values["documents"],
		Special: f.Bool("special"), SpecialReason: f.Get("special_reason"), ThirdParty: f.Bool("third_party"),
		PayeeName: f.Get("payee_name"), BankName: f.Get("bank_name"), BankAccountNo: f.Get("bank_account_no")}
	if d := f.Get("diagnoses"); d != "" {
		req.Diagnoses = strings.FieldsFunc(d, func(r rune) bool { return r == ',' || r == ' ' || r == '，' })
	}
	for i := 1; i <= claimLineRows; i++ {
		n := strconv.Itoa(i)
		code, qs, ts := f.Get("code_"+n), f.Get("qty_"+n), f.Get("total_"+n)
		if code == "" && qs == "" && ts == "" {
			continue
		}
		field := "line_" + n
		if qs == "" {
			qs = "1"
		}
		q, err := engine.ParseQty(qs)
		if err != nil || q <= 0 {
			col.AddField(field, "qty", "第"+n+"行数量无效", "line "+n+": bad quantity")
			continue
		}
		t, err := money.Parse(ts)
		if err != nil || t <= 0 {
			col.AddField(field, "amount", "第"+n+"行金额无效(最多两位小数)", "line "+n+": bad amount (at most 2 decimals)")
			continue
		}
		// unit price in 1/1,000,000 yuan = total fen × 10^4 ÷ (qty ÷ 10^4)
		price := engine.Price((int64(t)*100_000_000 + int64(q)/2) / int64(q))
		req.Lines = append(req.Lines, settle.LineInput{SN: n, Code: code, Qty: q, Price: price, Total: t,
			Date: date("date_" + n)})
	}
	return req, col.Err()
}

type claimPageView struct {
	Claim     claims.Claim
	Result    *engine.Result
	Preview   bool // Result is a preview on current totals, not stored
	Docs      []docRow
	CanDecide bool
	Reasons   []Option
	Account   string
}

type docRow struct {
	Zh, En             string
	Required, Received bool
}

// claimPage shows a claim: documents, lines, the engine's split and
// explanation, its steps, and the decision form for the step it awaits.
func (c *Console) claimPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderClaim(w, r, nil)
}

func (c *Console) renderClaim(w http.ResponseWriter, r *http.Request, f *Form) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := c.claims()
	cl, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p := &Page{Lang: Lang(r)}
	v := claimPageView{Claim: cl, Result: cl.Result, Account: institution.MaskAccount(cl.BankAccountNo)}
	if cl.Result == nil && cl.Stage != claims.Rejected {
		v.Preview = true
		if v.Result, err = s.Preview(r.Context(), id); err != nil {
			if _, ok := apperr.As(err); !ok {
				return err
			}
			v.Result = nil // e.g. coverage withdrawn since filing: the reviewer sees no split
		}
	}
	req := map[string]bool{}
	for _, d := range claims.RequiredDocuments(cl.ClrType, cl.MedType) {
		req[d] = true
	}
	got := map[string]bool{}
	for _, d := range cl.Documents {
		got[d] = true
	}
	for _, d := range claims.Documents {
		v.Docs = append(v.Docs, docRow{Zh: d.Zh, En: d.En, Required: req[d.Code], Received: got[d.Code]})
	}
	a, _ := access.FromContext(r.Context())
	v.CanDecide = claims.MayDo(a, cl.Stage, cl.AreaPath)
	v.Reasons = []Option{{Value: "", Label: "—"}}
	for _, rr := range claims.RejectReasons {
		v.Reasons = append(v.Reasons, Option{Value: rr.Code, Label: p.Tr(rr.Zh, rr.En)})
	}
	if f == nil {
		f = emptyForm()
	}
	return c.render(w, r, "claims_view.html", View{Status: f.Status, Form: f, Data: v})
}

// claimDecide approves or rejects the step the claim awaits.
func (c *Console) claimDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	d := claims.Decision{ClaimID: id, Approve: f.Get("decision") == "approve", ReasonCode: f.Get("reason_code"), Reason: f.Get("reason")}
	cl, err := c.claims().Decide(r.Context(), d)
	if f.Catch(err) {
		return c.renderClaim(w, r, f)
	}
	if err != nil {
		return err
	}
	zh, en := cl.Stage.Label()
	c.flash(w, Flash{Kind: "ok", Zh: "已办理,当前: " + zh, En: "Done; now: " + en})
	http.Redirect(w, r, "/claims/"+itoa64(id), http.StatusSeeOther)
	return nil
}

// catchAll is Form.Catch that also keeps the whole error for the top of the
// page: line errors name fields (feedetail[3].med_list_codg) the form has no
// input for.
func catchAll(f *Form, err error) bool {
	if !f.Catch(err) {
		return false
	}
	f.Error, _ = apperr.As(err)
	return true
}
