package web

import (
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/complaint"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/statement"
)

// Role sets of the deduction notice pages (docs/statements.md "Deduction
// notices"); the service checks the same rules again.
var (
	dedResponders = []access.Role{access.Institution}
	dedDeciders   = []access.Role{access.Director}
)

// deductionNoticeRoutes are the deduction notice pages: issuing a notice
// (directly or prefilled from a case), one deduction with its notice, the
// institution's response, the director's decision and the patient refunds
// under it; and raising a notice from a confirmed complaint.
func (c *Console) deductionNoticeRoutes() []httpx.Route {
	county, own := httpx.ScopeCounty, httpx.ScopeOwn
	return []httpx.Route{
		{Method: "GET", Pattern: "/statements/deductions/notices/new", Roles: stmtDeducters, Scope: county, Handler: c.dedNoticeNew},
		{Method: "POST", Pattern: "/statements/deductions/notices", Roles: stmtDeducters, Scope: county, Handler: c.dedNoticeIssue},
		{Method: "GET", Pattern: "/statements/deductions/{id}", Roles: stmtReaders, Scope: own, Handler: c.dedPage},
		{Method: "POST", Pattern: "/statements/deductions/{id}/respond", Roles: dedResponders, Scope: own, Handler: c.dedRespond},
		{Method: "POST", Pattern: "/statements/deductions/{id}/decide", Roles: dedDeciders, Scope: county, Handler: c.dedDecide},
		{Method: "POST", Pattern: "/statements/deductions/{id}/refunds", Roles: stmtDeducters, Scope: county, Handler: c.refundAdd},
		{Method: "POST", Pattern: "/statements/deductions/{id}/refunds/{rid}/done", Roles: stmtDeducters, Scope: county, Handler: c.refundDone},
		{Method: "POST", Pattern: "/complaints/{id}/deduction", Roles: complaint.Deciders, Scope: county, Handler: c.complaintDeduction},
	}
}

// dedNoticeView is the data of the notice form.
type dedNoticeView struct {
	Institutions []Option
	Sources      []Option
}

func (c *Console) dedNoticeNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	today := deskToday()
	f := emptyForm("found_on", today.String(), "respond_by", today.AddDays(7).String())
	for _, k := range []string{"institution_id", "amount", "reason", "text", "source_type", "source_ref"} {
		if v := q.Get(k); v != "" {
			f.Values.Set(k, v)
		}
	}
	return c.renderDedNotice(w, r, f)
}

func (c *Console) renderDedNotice(w http.ResponseWriter, r *http.Request, f *Form) error {
	opts, _, err := c.institutionOptions(r, false)
	if err != nil {
		return err
	}
	p := &Page{Lang: Lang(r)}
	v := dedNoticeView{Institutions: append([]Option{{Value: "", Label: p.Tr("请选择", "choose")}}, opts...)}
	for _, s := range deductionSources {
		v.Sources = append(v.Sources, Option{Value: s.Value, Label: p.Tr(s.Zh, s.En)})
	}
	return c.render(w, r, "deduction_notice_new.html", View{Status: f.Status, Form: f, Data: v})
}

// noticeInput reads the notice fields shared by the notice form and the
// complaint's: amount, text, last day for a response (and reason, source,
// date when present). Format errors are collected in bad.
func noticeInput(f *Form, bad *apperr.Collector) statement.NoticeInput {
	in := statement.NoticeInput{Deduction: statement.Deduction{InstitutionID: f.Int("institution_id"), Reason: f.Get("reason"),
		SourceType: f.Get("source_type"), SourceRef: f.Get("source_ref")}, Text: f.Get("text")}
	if amt, err := money.Parse(f.Get("amount")); err != nil {
		bad.AddField("amount", "amount", "金额格式应为 123.45", "the amount must look like 123.45")
	} else {
		in.Amount = amt
	}
	for _, d := range []struct {
		name string
		to   *civil.Date
	}{{"found_on", &in.FoundOn}, {"respond_by", &in.RespondBy}} {
		if v := f.Get(d.name); v != "" {
			day, err := civil.Parse(v)
			if err != nil {
				bad.AddField(d.name, "date", "日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD")
			}
			*d.to = day
		}
	}
	return in
}

func (c *Console) dedNoticeIssue(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var bad apperr.Collector
	in := noticeInput(f, &bad)
	err = bad.Err()
	var d statement.Deduction
	if err == nil {
		d, err = c.statements().IssueDeductionNotice(r.Context(), in)
	}
	if f.Catch(err) {
		return c.renderDedNotice(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已发出扣款通知,待机构答复", En: "Deduction notice issued; awaiting the institution's response"})
	return redirect(w, r, "/statements/deductions/"+itoa64(d.ID))
}

// dedPageView is the data of one deduction's page.
type dedPageView struct {
	D                  statement.Deduction
	N                  statement.DeductionNotice
	HasNotice          bool
	Institution        string
	StatusZh, StatusEn string
	SourceZh, SourceEn string
	SourceLink         string
	Refunds            []statement.RefundRow
	RefundsDue         money.Fen
	CanRespond         bool
	CanDecide          bool
	AwaitingResponse   bool // the director could decide after the last day
	CanRefund          bool
	Failed             string // the form whose submission failed: respond, decide, refund, done
	FailedRefund       int64  // the refund row whose "refunded" form failed
	Today              string
}

func (c *Console) dedPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderDedPage(w, r, emptyForm(), "", 0)
}

func (c *Console) renderDedPage(w http.ResponseWriter, r *http.Request, f *Form, failed string, failedRefund int64) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s, ctx := c.statements(), r.Context()
	d, n, err := s.DeductionNoticeOf(ctx, id)
	hasNotice := err == nil
	if apperr.KindOf(err) == apperr.NotFound && d.ID != 0 {
		err = nil // a deduction recorded without a notice
	}
	if err != nil {
		return err
	}
	refunds, err := s.RefundRows(ctx, id)
	if err != nil {
		return err
	}
	a := actorOf(r)
	today := deskToday()
	v := dedPageView{D: d, N: n, HasNotice: hasNotice, Refunds: refunds, Failed: failed, FailedRefund: failedRefund,
		Today: today.String()}
	if in, err := institution.Load(ctx, c.db, d.InstitutionID); err == nil {
		v.Institution = in.Code + " " + in.Name
	}
	v.StatusZh, v.StatusEn = deductionStatusLabel(d.Status)
	v.SourceZh, v.SourceEn = d.SourceType, d.SourceType
	for _, src := range deductionSources {
		if src.Value == d.SourceType {
			v.SourceZh, v.SourceEn = src.Zh, src.En
		}
	}
	if countyWide(a) && d.SourceRef != "" {
		switch d.SourceType {
		case complaint.DeductionSource:
			v.SourceLink = "/complaints/" + d.SourceRef
		case "inspection_case":
			v.SourceLink = "/supervision/cases/" + d.SourceRef
		}
	}
	for _, rf := range refunds {
		if rf.Status == "due" {
			v.RefundsDue += rf.Amount
		}
	}
	pending := d.Status == statement.DeductionNoticed || d.Status == statement.DeductionResponded
	v.CanRespond = hasNotice && pending && a.Can(dedResponders...) && a.Scope.InstitutionID == d.InstitutionID
	if hasNotice && a.Can(dedDeciders...) && countyWide(a) {
		v.CanDecide = d.Status == statement.DeductionResponded || (d.Status == statement.DeductionNoticed && today.After(n.RespondBy))
		v.AwaitingResponse = d.Status == statement.DeductionNoticed && !v.CanDecide
	}
	v.CanRefund = a.Can(stmtDeducters...) && countyWide(a) && d.Status != statement.DeductionCancelled
	if failed == "" {
		f.Values.Set("response", n.Response)
		f.Values.Set("amount", d.Amount.String())
		f.Values.Set("refunded_on", today.String())
	}
	return c.render(w, r, "deduction_notice.html", View{Status: f.Status, Form: f, Data: v})
}

// dedBack answers a step of the deduction page: on a user error the page
// again with the failed form's errors, else back to the page with a flash.
func (c *Console) dedBack(w http.ResponseWriter, r *http.Request, f *Form, err error, failed string, rid int64, ok Flash) error {
	if k := apperr.KindOf(err); k != apperr.NotFound && k != apperr.Forbidden && f.Catch(err) {
		return c.renderDedPage(w, r, f, failed, rid)
	}
	if err != nil {
		return err
	}
	c.flash(w, ok)
	return redirect(w, r, "/statements/deductions/"+r.PathValue("id"))
}

func (c *Console) dedRespond(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.statements().RespondToDeduction(r.Context(), id, f.Get("response"))
	return c.dedBack(w, r, f, err, "respond", 0, Flash{Kind: "ok", Zh: "已提交答复", En: "Response sent"})
}

func (c *Console) dedDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	confirm := f.Get("decision") != "withdraw"
	var amt money.Fen
	if v := f.Get("amount"); v != "" && confirm {
		if amt, err = money.Parse(v); err != nil {
			err = apperr.Field("amount", "amount", "金额格式应为 123.45", "the amount must look like 123.45")
		}
	}
	if err == nil {
		_, err = c.statements().DecideDeduction(r.Context(), id, confirm, amt, f.Get("note"))
	}
	ok := Flash{Kind: "ok", Zh: "已确认扣款,将计入下次编制的结算单", En: "Deduction confirmed; the next statement prepared takes it"}
	if !confirm {
		ok = Flash{Kind: "ok", Zh: "已撤销扣款通知", En: "Deduction notice withdrawn"}
	}
	return c.dedBack(w, r, f, err, "decide", 0, ok)
}

func (c *Console) refundAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s, ctx := c.statements(), r.Context()
	var bad apperr.Collector
	rf := statement.Refund{DeductionID: id, Note: f.Get("refund_note")}
	if amt, perr := money.Parse(f.Get("refund_amount")); perr != nil {
		bad.AddField("refund_amount", "amount", "金额格式应为 123.45", "the amount must look like 123.45")
	} else {
		rf.Amount = amt
	}
	rf.PersonID, err = s.RefundPerson(ctx, f.Get("id_number"))
	if e, ok := apperr.As(err); ok {
		for _, fe := range e.Fields {
			bad.AddField("id_number", fe.Code, fe.Zh, fe.En)
		}
		err = nil
	}
	if err == nil {
		err = bad.Err()
	}
	if err == nil {
		_, err = s.AddRefund(ctx, rf)
		if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
			var again apperr.Collector
			for _, fe := range e.Fields {
				name := map[string]string{"amount": "refund_amount", "person_id": "id_number"}[fe.Field]
				if name == "" {
					name = fe.Field
				}
				again.AddField(name, fe.Code, fe.Zh, fe.En)
			}
			err = again.Err()
		}
	}
	return c.dedBack(w, r, f, err, "refund", 0, Flash{Kind: "ok", Zh: "已登记应退患者款项", En: "Refund to the patient recorded"})
}

func (c *Console) refundDone(w http.ResponseWriter, r *http.Request) error {
	rid, err := httpx.PathID(r, "rid")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var on civil.Date
	if v := f.Get("refunded_on"); v != "" {
		on, _ = civil.Parse(v)
	}
	_, err = c.statements().MarkRefunded(r.Context(), rid, on)
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		// One form per row: its error goes above the table.
		err = apperr.New(apperr.Invalid, e.Fields[0].Code, e.Fields[0].Zh, e.Fields[0].En)
	}
	return c.dedBack(w, r, f, err, "done", rid, Flash{Kind: "ok", Zh: "已登记退还", En: "Refund recorded as paid back"})
}

// complaintDeduction raises a deduction notice from a confirmed complaint
// that found overcharging (director): one transaction links the two.
func (c *Console) complaintDeduction(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var bad apperr.Collector
	in := noticeInput(f, &bad)
	err = bad.Err()
	var d statement.Deduction
	if err == nil {
		_, d, err = c.complaints().RaiseDeduction(r.Context(), c.statements(), id, in)
	}
	if f.Catch(err) {
		return c.renderComplaint(w, r, id, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已发出扣款通知,待机构答复", En: "Deduction notice issued; awaiting the institution's response"})
	return redirect(w, r, "/statements/deductions/"+itoa64(d.ID))
}

// noticeRespondBy is the default last day for a response: a week on.
func noticeRespondBy() string { return civil.Of(time.Now().In(statement.China)).AddDays(7).String() }
