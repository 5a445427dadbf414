package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// Role sets of the settlement endpoints: an institution clerk does the
// work at its own institution; county finance, administrators and auditors
// read (every institution).
var (
	settleDesk  = []access.Role{access.Institution}
	settleRead  = []access.Role{access.Institution, access.Finance, access.Admin, access.Auditor}
	settleWrite = httpx.ScopeInstitution
)

// settleRoutes are the native settlement endpoints over settle.Service (the
// same service as the HIS interface): visits, lines, pre-settle, settle,
// reverse and the reads. See docs/api.md "Real-time settlement".
func (a *API) settleRoutes() []httpx.Route {
	own := httpx.ScopeOwn
	rd := a.settleReader
	return []httpx.Route{
		{Method: "POST", Pattern: "/settle/persons/find", Roles: settleRead, Scope: own, Handler: rd(a.settleFindPersons)},
		{Method: "GET", Pattern: "/settle/persons/{id}/coverage", Roles: settleRead, Scope: own, Handler: rd(a.settleCoverage)},
		{Method: "GET", Pattern: "/settle/persons/{id}/ytd", Roles: settleRead, Scope: own, Handler: rd(a.settleYTD)},
		{Method: "POST", Pattern: "/settle/visits", Roles: settleDesk, Scope: settleWrite, Handler: a.settleRegister},
		{Method: "POST", Pattern: "/settle/admissions", Roles: settleDesk, Scope: settleWrite, Handler: a.settleAdmit},
		{Method: "GET", Pattern: "/settle/visits/{id}", Roles: settleRead, Scope: own, Handler: rd(a.settleVisit)},
		{Method: "POST", Pattern: "/settle/visits/{id}/discharge", Roles: settleDesk, Scope: settleWrite, Handler: a.settleDischarge},
		{Method: "POST", Pattern: "/settle/visits/{id}/lines", Roles: settleDesk, Scope: settleWrite, Handler: a.settleUpload},
		{Method: "POST", Pattern: "/settle/visits/{id}/lines/revoke", Roles: settleDesk, Scope: settleWrite, Handler: a.settleRevoke},
		{Method: "POST", Pattern: "/settle/visits/{id}/pre-settle", Roles: settleDesk, Scope: settleWrite, Handler: a.settlePre},
		{Method: "POST", Pattern: "/settle/visits/{id}/settle", Roles: settleDesk, Scope: settleWrite, Handler: a.settleSettle},
		{Method: "GET", Pattern: "/settle/settlements/{id}", Roles: settleRead, Scope: own, Handler: rd(a.settleGet)},
		{Method: "POST", Pattern: "/settle/settlements/{id}/reverse", Roles: settleDesk, Scope: settleWrite, Handler: a.settleReverse},
		{Method: "GET", Pattern: "/settle/daily-totals", Roles: settleRead, Scope: own, Handler: rd(a.settleDailyTotals)},
		{Method: "GET", Pattern: "/settle/day", Roles: settleRead, Scope: own, Handler: rd(a.settleDay)},
	}
}

// errSettleScope refuses a reader who is neither an institution nor county-wide.
var errSettleScope = apperr.New(apperr.Forbidden, "scope", "仅医疗机构本身或县级用户可查看结算", "only the institution itself or county staff may read settlements")

// settleReader admits institution users (their own records: the service
// filters) and county-wide users (every institution); a township or
// village user is refused.
func (a *API) settleReader(h httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		act, ok := access.FromContext(r.Context())
		if !ok || !(act.Scope.IsInstitution() || httpx.ScopeCounty.Allows(act.Scope)) {
			return errSettleScope
		}
		return h(w, r)
	}
}

func (a *API) settleFindPersons(w http.ResponseWriter, r *http.Request) error {
	var q settle.PersonQuery
	if err := httpx.ReadJSON(r, &q); err != nil {
		return err
	}
	ps, err := a.settle.FindPersons(r.Context(), q)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []settle.DeskPerson{}
	}
	return ok(w, map[string]any{"persons": ps})
}

// settleDate reads ?name= as a day; empty gives def.
func settleDate(r *http.Request, name string, def civil.Date) (civil.Date, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	d, err := civil.Parse(v)
	if err != nil {
		return d, apperr.Field(name, "date", "日期格式应为 YYYY-MM-DD", name+": date must be YYYY-MM-DD")
	}
	return d, nil
}

// today is the settlement day now (China time).
func today() civil.Date { return civil.Of(time.Now().In(settle.China)) }

func (a *API) settleCoverage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := settleDate(r, "date", today())
	if err != nil {
		return err
	}
	c, err := a.settle.CheckCoverage(r.Context(), id, d)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) settleYTD(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.settle.DeskPersonByID(r.Context(), id); err != nil {
		return err
	}
	year := today().Year
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 1900 || year > 9999 {
			return apperr.Field("year", "year", "年度无效", "year is not a year")
		}
	}
	y, err := a.settle.YTD(r.Context(), id, year)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"psn_no": id, "year": year, "ytd": y})
}

// visitBody registers a visit or an admission.
type visitBody struct {
	PersonID   int64    `json:"psn_no"`
	MedType    string   `json:"med_type"`
	Begin      string   `json:"begntime"`
	IptOtpNo   string   `json:"ipt_otp_no"`
	Diagnoses  []string `json:"diagnoses"`
	Referral   bool     `json:"referral"`
	DeptName   string   `json:"dept_name"`
	DoctorName string   `json:"dr_name"`
	MsgID      string   `json:"msgid"`
}

func (b visitBody) request() (settle.VisitRequest, error) {
	req := settle.VisitRequest{MsgID: b.MsgID, PersonID: b.PersonID, MedType: b.MedType, IptOtpNo: b.IptOtpNo,
		Diagnoses: b.Diagnoses, Referral: b.Referral, DeptName: b.DeptName, DoctorName: b.DoctorName}
	if strings.TrimSpace(b.Begin) != "" {
		d, err := civil.Parse(strings.TrimSpace(b.Begin))
		if err != nil {
			return req, apperr.Field("begntime", "date", "日期格式应为 YYYY-MM-DD", "begntime: date must be YYYY-MM-DD")
		}
		req.Begin = d
	}
	return req, nil
}

func (a *API) settleRegister(w http.ResponseWriter, r *http.Request) error {
	return a.openVisit(w, r, false)
}
func (a *API) settleAdmit(w http.ResponseWriter, r *http.Request) error {
	return a.openVisit(w, r, true)
}

func (a *API) openVisit(w http.ResponseWriter, r *http.Request, admission bool) error {
	var b visitBody
	if err := httpx.ReadJSON(r, &b); err != nil {
		return err
	}
	req, err := b.request()
	if err != nil {
		return err
	}
	open := a.settle.Register
	if admission {
		open = a.settle.Admit
	}
	v, err := open(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, v)
}

// visitView is a visit with its lines and settlements.
type visitView struct {
	settle.Visit
	Lines       []settle.DeskLine      `json:"lines"`
	Settlements []settle.SettlementRow `json:"settlements"`
}

func (a *API) settleVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.settle.GetVisit(r.Context(), id)
	if err != nil {
		return err
	}
	out := visitView{Visit: v, Lines: []settle.DeskLine{}, Settlements: []settle.SettlementRow{}}
	ls, err := a.settle.VisitLines(r.Context(), id)
	if err != nil {
		return err
	}
	ss, err := a.settle.VisitSettlements(r.Context(), id)
	if err != nil {
		return err
	}
	out.Lines, out.Settlements = append(out.Lines, ls...), append(out.Settlements, ss...)
	return ok(w, out)
}

func (a *API) settleDischarge(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		End       string   `json:"endtime"`
		Diagnoses []string `json:"diagnoses"`
		MsgID     string   `json:"msgid"`
	}
	if err := httpx.ReadJSON(r, &b); err != nil {
		return err
	}
	req := settle.DischargeRequest{MsgID: b.MsgID, VisitID: id, Diagnoses: b.Diagnoses}
	if strings.TrimSpace(b.End) != "" {
		if req.End, err = civil.Parse(strings.TrimSpace(b.End)); err != nil {
			return apperr.Field("endtime", "date", "日期格式应为 YYYY-MM-DD", "endtime: date must be YYYY-MM-DD")
		}
	}
	v, err := a.settle.Discharge(r.Context(), req)
	if err != nil {
		return err
	}
	return ok(w, v)
}

// lineBody is one fee line with exact decimal strings: cnt (4 places),
// pric (6 places), det_item_fee_sumamt (2 places; empty = cnt × pric).
type lineBody struct {
	SN       string `json:"feedetl_sn"`
	InitSN   string `json:"init_feedetl_sn"`
	Code     string `json:"med_list_codg"`
	Name     string `json:"name"`
	Qty      string `json:"cnt"`
	Price    string `json:"pric"`
	Total    string `json:"det_item_fee_sumamt"`
	Date     string `json:"fee_ocur_time"`
	Approval int    `json:"hosp_appr_flag"`
}

// lineInputs parses the lines, naming each bad field "lines[i].x".
func lineInputs(bs []lineBody) ([]settle.LineInput, error) {
	var c apperr.Collector
	out := make([]settle.LineInput, len(bs))
	for i, b := range bs {
		f := "lines[" + strconv.Itoa(i) + "]."
		l := settle.LineInput{SN: b.SN, InitSN: b.InitSN, Code: b.Code, Name: b.Name, Approval: b.Approval}
		var err error
		if l.Qty, err = engine.ParseQty(strings.TrimSpace(b.Qty)); err != nil {
			c.AddField(f+"cnt", "quantity", "数量无效(最多4位小数)", "cnt: not a quantity (at most 4 decimals)")
		}
		if l.Price, err = engine.ParsePrice(strings.TrimSpace(b.Price)); err != nil {
			c.AddField(f+"pric", "price", "单价无效(最多6位小数)", "pric: not a price (at most 6 decimals)")
		}
		if t := strings.TrimSpace(b.Total); t != "" {
			if l.Total, err = money.Parse(t); err != nil {
				c.AddField(f+"det_item_fee_sumamt", "amount", "金额无效(最多两位小数)", "det_item_fee_sumamt: at most 2 decimals")
			}
		} else {
			l.Total = engine.Amount(l.Qty, l.Price)
		}
		if d := strings.TrimSpace(b.Date); d != "" {
			if l.Date, err = civil.Parse(d); err != nil {
				c.AddField(f+"fee_ocur_time", "date", "日期格式应为 YYYY-MM-DD", "fee_ocur_time: date must be YYYY-MM-DD")
			}
		}
		out[i] = l
	}
	return out, c.Err()
}

func (a *API) settleUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Lines []lineBody `json:"lines"`
		MsgID string     `json:"msgid"`
	}
	if err := httpx.ReadJSON(r, &b); err != nil {
		return err
	}
	lines, err := lineInputs(b.Lines)
	if err != nil {
		return err
	}
	res, err := a.settle.UploadLines(r.Context(), settle.UploadRequest{MsgID: b.MsgID, VisitID: id, Lines: lines})
	if err != nil {
		return err
	}
	return created(w, res)
}

func (a *API) settleRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		SNs   []string `json:"feedetl_sn"`
		MsgID string   `json:"msgid"`
	}
	if err := httpx.ReadJSON(r, &b); err != nil {
		return err
	}
	res, err := a.settle.RevokeLines(r.Context(), settle.RevokeRequest{MsgID: b.MsgID, VisitID: id, SNs: b.SNs})
	if err != nil {
		return err
	}
	return ok(w, res)
}

// settleBody is the body of pre-settle and settle (every field optional).
type settleBody struct {
	MedFee  string `json:"medfee_sumamt"`
	Invoice string `json:"invono"`
	MsgID   string `json:"msgid"`
}

func readSettle(r *http.Request) (settle.SettleRequest, error) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return settle.SettleRequest{}, err
	}
	var b settleBody
	if r.ContentLength != 0 {
		if err := httpx.ReadJSON(r, &b); err != nil {
			return settle.SettleRequest{}, err
		}
	}
	req := settle.SettleRequest{MsgID: b.MsgID, VisitID: id, Invoice: b.Invoice}
	if strings.TrimSpace(b.MedFee) != "" {
		if req.MedFee, err = settle.ParseAmount("medfee_sumamt", strings.TrimSpace(b.MedFee)); err != nil {
			return req, err
		}
	}
	return req, nil
}

func (a *API) settlePre(w http.ResponseWriter, r *http.Request) error {
	req, err := readSettle(r)
	if err != nil {
		return err
	}
	st, err := a.settle.PreSettle(r.Context(), req)
	if err != nil {
		return err
	}
	return ok(w, st)
}

func (a *API) settleSettle(w http.ResponseWriter, r *http.Request) error {
	req, err := readSettle(r)
	if err != nil {
		return err
	}
	st, err := a.settle.Settle(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, st)
}

func (a *API) settleGet(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	st, err := a.settle.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, st)
}

func (a *API) settleReverse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		MsgID string `json:"msgid"`
	}
	if r.ContentLength != 0 {
		if err := httpx.ReadJSON(r, &b); err != nil {
			return err
		}
	}
	st, err := a.settle.Reverse(r.Context(), settle.ReverseRequest{MsgID: b.MsgID, SettlementID: id})
	if err != nil {
		return err
	}
	return created(w, st)
}

// institutionParam is ?institution_id= (an institution user: its own,
// whatever is asked; the service refuses another).
func institutionParam(r *http.Request) (int64, error) {
	act, _ := access.FromContext(r.Context())
	v := r.URL.Query().Get("institution_id")
	if v == "" {
		if act.Scope.IsInstitution() {
			return act.Scope.InstitutionID, nil
		}
		return 0, apperr.Field("institution_id", "required", "请选择医疗机构", "institution_id is required")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field("institution_id", "id", "医疗机构编号无效", "institution_id is not an id")
	}
	return id, nil
}

func (a *API) settleDailyTotals(w http.ResponseWriter, r *http.Request) error {
	inst, err := institutionParam(r)
	if err != nil {
		return err
	}
	to, err := settleDate(r, "to", today())
	if err != nil {
		return err
	}
	from, err := settleDate(r, "from", to)
	if err != nil {
		return err
	}
	if to.Before(from) || to.DaysSince(from) > 366 {
		return apperr.Field("to", "range", "日期范围应在一年之内且起日不晚于止日", "from ≤ to, at most a year apart")
	}
	ts, err := a.settle.DailyTotals(r.Context(), inst, from, to)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []settle.DayTotal{}
	}
	return ok(w, map[string]any{"institution_id": inst, "from": from, "to": to, "days": ts})
}

func (a *API) settleDay(w http.ResponseWriter, r *http.Request) error {
	inst, err := institutionParam(r)
	if err != nil {
		return err
	}
	day, err := settleDate(r, "date", today())
	if err != nil {
		return err
	}
	ctx := r.Context()
	vs, err := a.settle.DayVisits(ctx, inst, day)
	if err != nil {
		return err
	}
	ss, err := a.settle.DaySettlements(ctx, inst, day)
	if err != nil {
		return err
	}
	ts, err := a.settle.DayTotalsByClrType(ctx, inst, day)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []settle.DayVisit{}
	}
	if ss == nil {
		ss = []settle.SettlementRow{}
	}
	if ts == nil {
		ts = []settle.ClrTotal{}
	}
	return ok(w, map[string]any{"institution_id": inst, "date": day, "visits": vs, "settlements": ss, "totals": ts})
}
