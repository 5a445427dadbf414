package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/statement"
)

// deductionStatusLabel names a deduction status.
func deductionStatusLabel(s string) (zh, en string) {
	switch s {
	case statement.DeductionOpen:
		return "待扣", "open"
	case statement.DeductionTaken:
		return "已计入结算单", "in a statement"
	case statement.DeductionCancelled:
		return "已撤销", "cancelled"
	case statement.DeductionNoticed:
		return "已通知待答复", "noticed, awaiting the response"
	case statement.DeductionResponded:
		return "已答复待决定", "responded, awaiting the decision"
	}
	return s, s
}

// deductionSources are the kinds of source a deduction names.
var deductionSources = []struct{ Value, Zh, En string }{
	{"inspection_case", "稽核案件", "inspection case"},
	{"complaint", "投诉举报", "complaint"},
	{"review", "审核检查", "review"},
	{"other", "其他", "other"},
}

// dedRow is a deduction as listed.
type dedRow struct {
	statement.Deduction
	Institution        string
	StatusZh, StatusEn string
	SourceZh, SourceEn string
	CanCancel          bool
}

// dedListView is the data of the deduction page.
type dedListView struct {
	Rows         []dedRow
	Table        *List[dedRow] // sorted and paged (?sort, ?dir, ?page)
	Capped       bool          // the newest deductionListMax only
	Max          int
	Institutions []Option // for the filter and the form
	Statuses     []Option
	Sources      []Option
	Filter       struct{ InstitutionID, Status string }
	CanAdd       bool
	CancelID     int64  // the row whose cancel form failed
	CancelErr    string // its error, in the page's language
	CancelReason string
}

func (c *Console) deductionList(w http.ResponseWriter, r *http.Request) error {
	return c.renderDeductions(w, r, emptyForm("found_on", civil.Of(time.Now().In(statement.China)).String()), 0)
}

func (c *Console) renderDeductions(w http.ResponseWriter, r *http.Request, f *Form, cancelID int64) error {
	q := r.URL.Query()
	a := actorOf(r)
	v := dedListView{CanAdd: a.Can(stmtDeducters...) && countyWide(a), CancelID: cancelID}
	v.Filter.InstitutionID, v.Filter.Status = q.Get("institution_id"), q.Get("status")
	names := map[int64]string{}
	if countyWide(a) {
		opts, insts, err := c.institutionOptions(r, false)
		if err != nil {
			return err
		}
		v.Institutions = opts
		for _, in := range insts {
			names[in.ID] = in.Code + " " + in.Name
		}
	}
	lang := Lang(r)
	tr := trFor(lang)
	for _, s := range deductionStatusOrder {
		zh, en := deductionStatusLabel(s)
		v.Statuses = append(v.Statuses, Option{Value: s, Label: tr(zh, en), Selected: s == v.Filter.Status})
	}
	for _, s := range deductionSources {
		v.Sources = append(v.Sources, Option{Value: s.Value, Label: tr(s.Zh, s.En)})
	}
	inst, _ := strconv.ParseInt(v.Filter.InstitutionID, 10, 64)
	list, err := c.statements().Deductions(r.Context(), statement.DeductionFilter{InstitutionID: inst, Status: v.Filter.Status, Limit: deductionListMax})
	if err != nil {
		return err
	}
	v.Capped, v.Max = len(list) >= deductionListMax, deductionListMax
	for _, d := range list {
		row := dedRow{Deduction: d, Institution: names[d.InstitutionID]}
		row.StatusZh, row.StatusEn = deductionStatusLabel(d.Status)
		row.SourceZh, row.SourceEn = d.SourceType, d.SourceType
		for _, s := range deductionSources {
			if s.Value == d.SourceType {
				row.SourceZh, row.SourceEn = s.Zh, s.En
			}
		}
		row.CanCancel = v.CanAdd && (d.Status == statement.DeductionOpen || d.Status == statement.DeductionTaken)
		v.Rows = append(v.Rows, row)
	}
	lr := r // after a refused form (POST) the links are the list's
	if r.URL.Path != "/statements/deductions" || r.Method != http.MethodGet {
		lr = r.Clone(r.Context())
		lr.URL = &url.URL{Path: "/statements/deductions", RawQuery: r.URL.RawQuery}
	}
	v.Table = newList(lr, "deductions", deductionColumns(lang), v.Rows, "", 50)
	if r.Method == http.MethodGet && wantsXLSX(r) {
		return v.Table.Export(w, "deductions", "违规扣款")
	}
	if cancelID != 0 {
		// A failed cancel: its error goes on its row, not on the entry form.
		if f.Error != nil {
			v.CancelErr = tr(f.Error.Zh, f.Error.En)
		}
		for _, fe := range f.Errors {
			v.CancelErr = tr(fe.Zh, fe.En)
		}
		status := f.Status
		v.CancelReason = f.Get("reason")
		f = emptyForm("found_on", civil.Of(time.Now().In(statement.China)).String())
		f.Status = status
	}
	return c.render(w, r, "statement_deductions.html", View{Status: f.Status, Form: f, Data: v})
}

// deductionAdd records a deduction from the form.
func (c *Console) deductionAdd(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	d := statement.Deduction{InstitutionID: f.Int("institution_id"), Reason: f.Get("reason"),
		SourceType: f.Get("source_type"), SourceRef: f.Get("source_ref")}
	var bad apperr.Collector
	if amt, err := money.Parse(f.Get("amount")); err != nil {
		bad.AddField("amount", "amount", "金额格式应为 123.45", "the amount must look like 123.45")
	} else {
		d.Amount = amt
	}
	if v := f.Get("found_on"); v != "" {
		if day, err := civil.Parse(v); err != nil {
			bad.AddField("found_on", "date", "日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD")
		} else {
			d.FoundOn = day
		}
	}
	if err := bad.Err(); err != nil {
		f.Catch(err)
		return c.renderDeductions(w, r, f, 0)
	}
	_, err = c.statements().AddDeduction(r.Context(), d)
	if f.Catch(err) {
		return c.renderDeductions(w, r, f, 0)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记扣款,将计入下次编制的结算单", En: "Deduction recorded; the next statement prepared takes it"})
	return redirect(w, r, "/statements/deductions")
}

// deductionCancel cancels a deduction with a reason.
func (c *Console) deductionCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.statements().CancelDeduction(r.Context(), id, f.Get("reason"))
	if f.Catch(err) {
		return c.renderDeductions(w, r, f, id)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已撤销扣款", En: "Deduction cancelled"})
	return redirect(w, r, "/statements/deductions")
}

// termsRow is an institution with its agreement terms for the year.
type termsRow struct {
	Inst  institution.Institution
	Terms statement.Terms
	Panyu money.Rate // the Panyu limit of its level, as a suggestion
	Level string
}

// termsView is the data of the agreement terms page.
type termsView struct {
	Year   int
	Rows   []termsRow
	Insts  []Option
	Scopes []Option
	CanSet bool
	Edit   int64 // the institution in the form
}

func (c *Console) termsPage(w http.ResponseWriter, r *http.Request) error {
	year := atoiDefault(r.URL.Query().Get("year"), time.Now().In(statement.China).Year())
	f := emptyForm("year", strconv.Itoa(year), "selfpay_scope", statement.ScopeInpatient)
	if id := r.URL.Query().Get("institution_id"); id != "" {
		f.Values.Set("institution_id", id)
	}
	return c.renderTerms(w, r, f, year, true)
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n == 0 {
		return def
	}
	return n
}

func (c *Console) renderTerms(w http.ResponseWriter, r *http.Request, f *Form, year int, prefill bool) error {
	a := actorOf(r)
	v := termsView{Year: year, CanSet: a.Can(stmtTermsSet...) && countyWide(a)}
	opts, insts, err := c.institutionOptions(r, false)
	if err != nil {
		return err
	}
	v.Insts = opts
	s := c.statements()
	v.Edit, _ = strconv.ParseInt(f.Get("institution_id"), 10, 64)
	for _, in := range insts {
		t, err := s.TermsOf(r.Context(), in.ID, year)
		if err != nil {
			return err
		}
		zh, en := in.Level.Label()
		row := termsRow{Inst: in, Terms: t, Panyu: statement.Panyu(in.Level), Level: zh}
		if Lang(r) == "en" {
			row.Level = en
		}
		v.Rows = append(v.Rows, row)
		if prefill && in.ID == v.Edit {
			lim := t.SelfPayLimit
			if lim == 0 && t.UpdatedBy == "" {
				lim = row.Panyu
			}
			f.Values.Set("selfpay_limit", rateInput(lim))
			f.Values.Set("selfpay_scope", t.Scope)
			f.Values.Set("budget", t.Budget.String())
		}
	}
	for _, sc := range []struct{ v, zh, en string }{{statement.ScopeInpatient, "仅住院", "admissions only"}, {statement.ScopeAll, "全部结算", "every settlement"}} {
		v.Scopes = append(v.Scopes, Option{Value: sc.v, Label: sc.zh + " / " + sc.en})
	}
	return c.render(w, r, "statement_terms.html", View{Status: f.Status, Form: f, Data: v})
}

// rateInput writes a rate for a percent input: "16", "7.5".
func rateInput(r money.Rate) string {
	s := r.String()
	return s[:len(s)-1]
}

// termsSet records an institution's terms for a year.
func (c *Console) termsSet(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	year, _ := strconv.Atoi(f.Get("year"))
	t := statement.Terms{InstitutionID: f.Int("institution_id"), Year: year, Scope: f.Get("selfpay_scope")}
	var bad apperr.Collector
	if t.InstitutionID == 0 {
		bad.AddField("institution_id", "required", "请选择医疗机构", "choose an institution")
	}
	if v := f.Get("selfpay_limit"); v != "" {
		if lim, err := money.ParseRate(v); err != nil {
			bad.AddField("selfpay_limit", "rate", "上限应为百分数,如 16 或 16.5", "the limit is a percentage, e.g. 16 or 16.5")
		} else {
			t.SelfPayLimit = lim
		}
	}
	if v := f.Get("budget"); v != "" {
		if b, err := money.Parse(v); err != nil {
			bad.AddField("budget", "amount", "预算格式应为 123.45", "the budget must look like 123.45")
		} else {
			t.Budget = b
		}
	}
	err = bad.Err()
	if err == nil {
		_, err = c.statements().SetTerms(r.Context(), t)
	}
	if f.Catch(err) {
		if year < 2000 || year > 2100 {
			year = time.Now().In(statement.China).Year()
		}
		return c.renderTerms(w, r, f, year, false)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存协议条款", En: "Agreement terms saved"})
	return redirect(w, r, "/statements/terms?year="+strconv.Itoa(year))
}
