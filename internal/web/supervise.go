package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/statement"
	"ncms/internal/supervise"
	"ncms/internal/supervise/rules"
)

// superviseRoutes: supervision pages (docs/supervision.md): cases with
// counts and batch runs, the case page, indicators, sampling work lists,
// the blacklist and the year's rule configuration. County-wide only.
func (c *Console) superviseRoutes() []httpx.Route {
	rd, wk, cf := supervise.Readers, supervise.Workers, supervise.Configurers
	s := httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/supervision", Roles: rd, Scope: s, Handler: c.supCases},
		{Method: "POST", Pattern: "/supervision/runs", Roles: wk, Scope: s, Handler: c.supRun},
		{Method: "GET", Pattern: "/supervision/cases/{id}", Roles: rd, Scope: s, Handler: c.supCase},
		{Method: "POST", Pattern: "/supervision/cases/{id}", Roles: wk, Scope: s, Handler: c.supCaseAction},
		{Method: "GET", Pattern: "/supervision/indicators", Roles: rd, Scope: s, Handler: c.supIndicators},
		{Method: "POST", Pattern: "/supervision/indicators", Roles: wk, Scope: s, Handler: c.supComputeIndicators},
		{Method: "GET", Pattern: "/supervision/samples", Roles: rd, Scope: s, Handler: c.supSamples},
		{Method: "POST", Pattern: "/supervision/samples", Roles: wk, Scope: s, Handler: c.supDraw},
		{Method: "GET", Pattern: "/supervision/samples/{id}", Roles: rd, Scope: s, Handler: c.supSample},
		{Method: "POST", Pattern: "/supervision/samples/{id}/items/{seq}", Roles: wk, Scope: s, Handler: c.supOutcome},
		{Method: "GET", Pattern: "/supervision/blacklist", Roles: rd, Scope: s, Handler: c.supBlacklist},
		{Method: "POST", Pattern: "/supervision/blacklist", Roles: wk, Scope: s, Handler: c.supBlacklistAdd},
		{Method: "POST", Pattern: "/supervision/blacklist/{id}/lift", Roles: wk, Scope: s, Handler: c.supBlacklistLift},
		{Method: "GET", Pattern: "/supervision/config", Roles: rd, Scope: s, Handler: c.supConfig},
		{Method: "POST", Pattern: "/supervision/config", Roles: cf, Scope: s, Handler: c.supSaveConfig},
	}
}

func (c *Console) supervise() *supervise.Service { return supervise.New(c.db, supervise.Options{}) }

// supView is the data of every supervision page: Err is a refused action
// shown above the page.
type supView struct {
	Err   *apperr.Error
	Tab   string
	Data  any
	Rules []rules.Info
}

// supRender renders page with data; a user error err is shown on it (422).
func (c *Console) supRender(w http.ResponseWriter, r *http.Request, page, tab string, data any, err error) error {
	v := View{Data: supView{Tab: tab, Data: data, Rules: rules.All}}
	if e, ok := apperr.As(err); ok {
		v.Status = httpx.Status(err)
		v.Data = supView{Tab: tab, Data: data, Rules: rules.All, Err: e}
	} else if err != nil {
		return err
	}
	return c.render(w, r, page, v)
}

type supCasesData struct {
	Filter   supervise.Filter
	Cases    []supervise.Case
	Table    *List[supervise.Case] // Cases sorted (?sort=), one page of it
	Total    int
	Counts   supervise.Counts
	Statuses []string
	Runs     []supervise.Run
	From, To string
}

// caseListMax is how many cases of a filter the list holds (newest first;
// the service's maximum): it sorts, pages and exports these.
const caseListMax = 1000

func (c *Console) supCases(w http.ResponseWriter, r *http.Request) error {
	return c.supCasesPage(w, r, nil)
}

func (c *Console) supCasesPage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	q := r.URL.Query()
	f := supervise.Filter{Status: q.Get("status"), Rule: q.Get("rule"), Assignee: q.Get("assignee")}
	if f.Status == "" && !q.Has("status") {
		f.Status = "active"
	}
	if id, err := strconv.ParseInt(q.Get("institution_id"), 10, 64); err == nil {
		f.InstitutionID = id
	}
	s := c.supervise()
	d := supCasesData{Filter: f, Statuses: supervise.Statuses}
	var err error
	f.Limit = caseListMax
	if d.Cases, d.Total, err = s.Cases(r.Context(), f); err != nil {
		return err
	}
	lr := r // after a refused action (POST /supervision/runs) the links are the list's
	if r.URL.Path != "/supervision" {
		lr = r.Clone(r.Context())
		lr.URL = &url.URL{Path: "/supervision", RawQuery: r.URL.RawQuery}
	}
	d.Table = newList(lr, "cases", superviseCaseColumns(Lang(r)), d.Cases, "", 50)
	if r.Method == http.MethodGet && wantsXLSX(r) {
		return d.Table.Export(w, "supervision-cases", "稽核案件")
	}
	if d.Counts, err = s.Counts(r.Context()); err != nil {
		return err
	}
	if d.Runs, err = s.Runs(r.Context()); err != nil {
		return err
	}
	today := s.Today()
	d.From, d.To = civil.New(today.Year, today.Month, 1).AddDays(-1).String()[:8]+"01", civil.New(today.Year, today.Month, 1).AddDays(-1).String()
	if r.Method == http.MethodPost {
		d.From, d.To = r.PostFormValue("from"), r.PostFormValue("to")
	}
	return c.supRender(w, r, "supervise_cases.html", "cases", d, actionErr)
}

func (c *Console) supRun(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	from, e1 := civil.Parse(f.Get("from"))
	to, e2 := civil.Parse(f.Get("to"))
	if e1 != nil || e2 != nil {
		return c.supCasesPage(w, r, apperr.Field("from", "date", "日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD"))
	}
	run, err := c.supervise().RunScreen(r.Context(), from, to)
	if _, ok := apperr.As(err); ok {
		return c.supCasesPage(w, r, err)
	} else if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "筛查完成:" + strconv.Itoa(run.Settlements) + " 笔结算,命中 " + strconv.Itoa(run.Hits) + ",新立案 " + strconv.Itoa(run.Opened),
		En: "Screening done: " + strconv.Itoa(run.Settlements) + " settlements, " + strconv.Itoa(run.Hits) + " hits, " + strconv.Itoa(run.Opened) + " new cases"})
	return redirect(w, r, "/supervision")
}

type supCaseData struct {
	Case     supervise.Case
	RuleZh   string
	RuleEn   string
	Outcomes []string
}

func (c *Console) supCase(w http.ResponseWriter, r *http.Request) error {
	return c.supCasePage(w, r, nil)
}

func (c *Console) supCasePage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	cs, err := c.supervise().Case(r.Context(), id)
	if err != nil {
		return err
	}
	d := supCaseData{Case: cs, Outcomes: []string{supervise.OutcomeNoIssue, supervise.OutcomeDeduction, supervise.OutcomeReferral}}
	d.RuleZh, d.RuleEn = ruleLabel(cs.Rule)
	return c.supRender(w, r, "supervise_case.html", "cases", d, actionErr)
}

// ruleLabel names a case's rule (sampling kinds included).
func ruleLabel(code string) (zh, en string) {
	if info, ok := rules.Lookup(code); ok {
		return info.Zh, info.En
	}
	return supervise.KindLabel(code)
}

func (c *Console) supCaseAction(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s := c.supervise()
	switch f.Get("action") {
	case "assign":
		_, err = s.Assign(r.Context(), id, f.Get("assignee"))
	case "investigate":
		_, err = s.Investigate(r.Context(), id, f.Get("note"))
	case "note":
		_, err = s.AddNote(r.Context(), id, f.Get("note"))
	case "close":
		var amt money.Fen
		if v := f.Get("amount"); v != "" {
			if amt, err = money.Parse(v); err != nil {
				err = apperr.Field("amount", "amount", "金额格式错误", "invalid amount")
				break
			}
		}
		_, err = s.Close(r.Context(), id, supervise.CloseRequest{Outcome: f.Get("outcome"), Note: f.Get("note"), Amount: amt})
	default:
		err = apperr.Field("action", "invalid", "未知操作", "unknown action")
	}
	if _, ok := apperr.As(err); ok {
		return c.supCasePage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/cases/"+itoa64(id))
}

type supIndicatorsData struct {
	Period     string
	Rows       []supervise.IndicatorRow
	Indicators []rules.IndicatorInfo
}

func (c *Console) supIndicators(w http.ResponseWriter, r *http.Request) error {
	return c.supIndicatorsPage(w, r, nil)
}

func (c *Console) supIndicatorsPage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	s := c.supervise()
	p := statement.PeriodOf(s.Today().AddDays(-s.Today().Day))
	if v := r.FormValue("period"); v != "" {
		if q, err := statement.ParsePeriod(v); err == nil {
			p = q
		}
	}
	rows, err := s.Indicators(r.Context(), p)
	if err != nil {
		return err
	}
	return c.supRender(w, r, "supervise_indicators.html", "indicators",
		supIndicatorsData{Period: p.String(), Rows: rows, Indicators: rules.IndicatorList}, actionErr)
}

func (c *Console) supComputeIndicators(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	p, err := statement.ParsePeriod(f.Get("period"))
	if err == nil {
		_, _, err = c.supervise().ComputeIndicators(r.Context(), p)
	}
	if _, ok := apperr.As(err); ok {
		return c.supIndicatorsPage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/indicators?period="+p.String())
}

type supSamplesData struct {
	Samples []supervise.Sample
	Kinds   []string
	Period  string
}

func (c *Console) supSamples(w http.ResponseWriter, r *http.Request) error {
	return c.supSamplesPage(w, r, nil)
}

func (c *Console) supSamplesPage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	s := c.supervise()
	list, err := s.Samples(r.Context())
	if err != nil {
		return err
	}
	p := statement.PeriodOf(s.Today().AddDays(-s.Today().Day))
	return c.supRender(w, r, "supervise_samples.html", "samples", supSamplesData{Samples: list, Kinds: supervise.SampleKinds, Period: p.String()}, actionErr)
}

func (c *Console) supDraw(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var seed int64
	p, err := statement.ParsePeriod(f.Get("period"))
	if v := f.Get("seed"); err == nil && v != "" {
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil || seed <= 0 {
			err = apperr.Field("seed", "invalid", "种子应为正整数", "the seed must be a positive integer")
		}
	}
	var sm supervise.Sample
	if err == nil {
		sm, err = c.supervise().Draw(r.Context(), f.Get("kind"), p, seed)
	}
	if _, ok := apperr.As(err); ok {
		return c.supSamplesPage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/samples/"+itoa64(sm.ID))
}

type supSampleData struct {
	Sample     supervise.Sample
	Reproduced bool
}

func (c *Console) supSample(w http.ResponseWriter, r *http.Request) error {
	return c.supSamplePage(w, r, nil)
}

func (c *Console) supSamplePage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s := c.supervise()
	sm, err := s.Sample(r.Context(), id)
	if err != nil {
		return err
	}
	same, err := s.Verify(r.Context(), id)
	if err != nil {
		return err
	}
	return c.supRender(w, r, "supervise_sample.html", "samples", supSampleData{Sample: sm, Reproduced: same}, actionErr)
}

func (c *Console) supOutcome(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	seq, err := httpx.PathID(r, "seq")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.supervise().RecordOutcome(r.Context(), id, int(seq), f.Get("outcome"), f.Get("note"))
	if _, ok := apperr.As(err); ok {
		return c.supSamplePage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/samples/"+itoa64(id))
}

func (c *Console) supBlacklist(w http.ResponseWriter, r *http.Request) error {
	return c.supBlacklistPage(w, r, nil)
}

func (c *Console) supBlacklistPage(w http.ResponseWriter, r *http.Request, actionErr error) error {
	s := c.supervise()
	list, err := s.Blacklist(r.Context(), false)
	if err != nil {
		return err
	}
	return c.supRender(w, r, "supervise_blacklist.html", "blacklist", map[string]any{"Entries": list, "Today": s.Today()}, actionErr)
}

func (c *Console) supBlacklistAdd(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	e := supervise.Entry{Subject: f.Get("subject"), PersonID: f.Int("person_id"), InstitutionID: f.Int("institution_id"),
		StaffName: f.Get("staff_name"), Effect: f.Get("effect"), Reason: f.Get("reason")}
	if v := f.Get("valid_from"); v != "" {
		if e.From, err = civil.Parse(v); err != nil {
			return c.supBlacklistPage(w, r, apperr.Field("valid_from", "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"))
		}
	}
	if v := f.Get("valid_to"); v != "" {
		if e.To, err = civil.Parse(v); err != nil {
			return c.supBlacklistPage(w, r, apperr.Field("valid_to", "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"))
		}
	}
	_, err = c.supervise().AddToBlacklist(r.Context(), e)
	if _, ok := apperr.As(err); ok {
		return c.supBlacklistPage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/blacklist")
}

func (c *Console) supBlacklistLift(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.supervise().LiftBlacklist(r.Context(), id, f.Get("reason"))
	if _, ok := apperr.As(err); ok {
		return c.supBlacklistPage(w, r, err)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/supervision/blacklist")
}

type supConfigData struct {
	Config rules.Config
	JSON   string
}

func (c *Console) supConfig(w http.ResponseWriter, r *http.Request) error {
	return c.supConfigPage(w, r, nil, "")
}

func (c *Console) supConfigPage(w http.ResponseWriter, r *http.Request, actionErr error, js string) error {
	s := c.supervise()
	year := s.Today().Year
	if y, err := strconv.Atoi(r.FormValue("year")); err == nil {
		year = y
	}
	cfg, err := s.Config(r.Context(), year)
	if err != nil {
		return err
	}
	if js == "" {
		js = configJSON(cfg)
	}
	return c.supRender(w, r, "supervise_config.html", "config", supConfigData{Config: cfg, JSON: js}, actionErr)
}

func (c *Console) supSaveConfig(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	cfg, err := parseConfig(f)
	if err == nil {
		cfg, err = c.supervise().SaveConfig(r.Context(), cfg)
	}
	if _, ok := apperr.As(err); ok {
		return c.supConfigPage(w, r, err, f.Get("params"))
	} else if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存 " + strconv.Itoa(cfg.Year) + " 年度稽核规则配置", En: "Screening configuration for " + strconv.Itoa(cfg.Year) + " saved"})
	return redirect(w, r, "/supervision/config?year="+strconv.Itoa(cfg.Year))
}

// configJSON shows the parameters (everything but the rule switches) as
// indented JSON for the configuration form.
func configJSON(c rules.Config) string {
	c.Rules = nil
	b, _ := json.MarshalIndent(c, "", "  ")
	return string(b)
}

// parseConfig reads the configuration form: year, a switch and a block box
// per rule, and the parameters as JSON.
func parseConfig(f *Form) (rules.Config, error) {
	var c rules.Config
	if err := json.Unmarshal([]byte(f.Get("params")), &c); err != nil {
		return c, apperr.Field("params", "json", "参数格式错误: "+err.Error(), "the parameters are not valid JSON: "+err.Error())
	}
	y, err := strconv.Atoi(f.Get("year"))
	if err != nil {
		return c, apperr.Field("year", "invalid", "年度无效", "invalid year")
	}
	c.Year = y
	c.Rules = map[string]rules.Setting{}
	for _, r := range rules.All {
		c.Rules[r.Code] = rules.Setting{Enabled: f.Bool("on_" + r.Code), Block: f.Bool("block_" + r.Code)}
	}
	return c, nil
}

// L returns the Chinese and English names of a status, outcome, rule,
// sampling kind, blacklist subject or effect, or indicator code:
// {{$l := $.Data.L .Status}}{{$.Tr (index $l 0) (index $l 1)}}.
func (supView) L(code string) [2]string {
	for _, in := range rules.IndicatorList {
		if in.Code == code {
			return [2]string{in.Zh, in.En}
		}
	}
	if info, ok := rules.Lookup(code); ok {
		return [2]string{info.Zh, info.En}
	}
	for _, f := range []func(string) (string, string){supervise.StatusLabel, supervise.KindLabel, supervise.SubjectLabel} {
		if zh, en := f(code); zh != code {
			return [2]string{zh, en}
		}
	}
	return [2]string{code, code}
}

// Show formats an indicator value by its unit: rates as percentages,
// money in yuan, days with two decimals.
func (supView) Show(code string, v int64) string {
	for _, in := range rules.IndicatorList {
		if in.Code == code {
			switch in.Unit {
			case "rate":
				return money.Rate(v).String()
			case "days":
				return money.Fen(v).String()
			}
		}
	}
	return money.Fen(v).String()
}
