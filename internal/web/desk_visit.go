package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/engine"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// deskVisitData is the visit page: the visit, its lines with their split,
// the line form with the catalogue lookup, the pre-settlement when asked,
// and the visit's settlements.
type deskVisitData struct {
	Visit       settle.Visit
	MedTypeZh   string
	MedTypeEn   string
	Person      settle.DeskPerson
	Lines       []settle.DeskLine
	OpenCount   int
	OpenTotal   money.Fen
	Settlements []settle.SettlementRow
	Pre         *settle.Settlement
	PreLines    []slipLine
	Item        *catalog.Entry   // the item whose code is in the line form
	Matches     []catalog.Entry  // catalogue search results (?q=)
	CanWrite    bool             // an institution clerk (not a county reader)
	Admission   bool             // clr_type 21
	Discharged  bool             // an admission that may be settled
	NextSN      string           // the next line number
	Search      string           // the catalogue search text
	Approval    []Option         // hosp_appr_flag choices
	Funds       []engine.FundPay // of the pre-settlement
}

// deskVisit shows the visit. ?code= shows that catalogue item in the line
// form; ?q= searches the catalogue by code or name.
func (c *Console) deskVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := emptyForm("code", q.Get("code"), "qty", "1", "q", q.Get("q"))
	return c.renderVisit(w, r, id, f, nil)
}

// renderVisit renders the visit page with the form (and a pre-settlement).
func (c *Console) renderVisit(w http.ResponseWriter, r *http.Request, id int64, f *Form, pre *settle.Settlement) error {
	ctx := r.Context()
	v, err := c.settle.GetVisit(ctx, id)
	if err != nil {
		return err
	}
	d := deskVisitData{Visit: v, Pre: pre, CanWrite: principal(r).Actor.Scope.IsInstitution(), Admission: v.ClrType == "21",
		Search: f.Get("q")}
	d.Discharged = v.Status == settle.Discharged
	d.MedTypeZh, d.MedTypeEn = settle.MedTypeName(v.MedType)
	if d.Person, err = c.settle.DeskPersonByID(ctx, v.PersonID); err != nil {
		return err
	}
	if d.Lines, err = c.settle.VisitLines(ctx, id); err != nil {
		return err
	}
	for _, l := range d.Lines {
		if l.Status == "open" {
			d.OpenCount++
			d.OpenTotal += l.Total
		}
	}
	d.NextSN = strconv.Itoa(len(d.Lines) + 1)
	if d.Settlements, err = c.settle.VisitSettlements(ctx, id); err != nil {
		return err
	}
	if pre != nil {
		d.PreLines = slipLines(pre.Result, d.Lines, 0)
		d.Funds = pre.Result.Funds
	}
	pg := &Page{Lang: Lang(r)}
	d.Approval = []Option{{Value: "0", Label: pg.Tr("否", "no")}, {Value: "1", Label: pg.Tr("是(已审批)", "yes (approved)")}}
	if code := f.Get("code"); code != "" && d.CanWrite {
		if e, err := catalog.Lookup(ctx, c.db, code, v.Begin); err == nil {
			d.Item = &e
			if f.Get("price") == "" {
				f.Values.Set("price", e.Price.String())
			}
		} else if apperr.KindOf(err) != apperr.NotFound {
			return err
		} else if _, seen := f.Errors["code"]; !seen {
			f.Errors["code"] = apperr.FieldError{Field: "code", Code: "not_in_catalogue",
				Zh: "医保目录中无此项目(就诊日有效的版本)", En: "not in the catalogue on the visit date"}
		}
	}
	if d.Search != "" && d.CanWrite {
		if d.Matches, _, err = c.catalog().Search(ctx, catalog.Filter{Query: d.Search, On: v.Begin, Limit: 10}); err != nil {
			return err
		}
	}
	return c.render(w, r, "desk_visit.html", View{Status: f.Status, Form: f, Data: d})
}

// catalog returns the catalogue service.
func (c *Console) catalog() *catalog.Service { return catalog.New(c.db, catalog.Options{}) }

// deskAddLine adds one fee line: the code, the quantity and the price
// (empty: the catalogue price); the amount is quantity × price rounded
// to the fen (engine.Amount).
func (c *Console) deskAddLine(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var ce apperr.Collector
	code := strings.TrimSpace(f.Get("code"))
	if code == "" {
		ce.AddField("code", "required", "请填写目录编码", "the catalogue code is required")
	}
	qty, err := engine.ParseQty(f.Get("qty"))
	if err != nil || qty <= 0 {
		ce.AddField("qty", "quantity", "数量应为正数(最多4位小数)", "quantity: a positive number (at most 4 decimals)")
	}
	var price engine.Price
	if p := f.Get("price"); p != "" {
		if price, err = engine.ParsePrice(p); err != nil || price < 0 {
			ce.AddField("price", "price", "单价格式错误(最多6位小数)", "price: not a price (at most 6 decimals)")
		}
	} else if code != "" {
		v, err := c.settle.GetVisit(r.Context(), id)
		if err != nil {
			return err
		}
		if e, err := catalog.Lookup(r.Context(), c.db, code, v.Begin); err == nil {
			price = e.Price
		}
	}
	err = ce.Err()
	if err == nil {
		sn := f.Get("sn")
		if sn == "" {
			sn = strconv.FormatInt(f.Int("next_sn"), 10)
		}
		_, err = c.settle.UploadLines(r.Context(), settle.UploadRequest{VisitID: id, Lines: []settle.LineInput{{
			SN: sn, Code: code, Qty: qty, Price: price, Total: engine.Amount(qty, price), Approval: int(f.Int("approval"))}}})
		err = lineFields(err)
	}
	if f.Catch(err) {
		return c.renderVisit(w, r, id, f, nil)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/desk/visits/"+strconv.FormatInt(id, 10))
}

// lineFields maps the service's "feedetail[sn].x" field names to the line
// form's fields.
func lineFields(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	cp := *e
	cp.Fields = append([]apperr.FieldError(nil), e.Fields...)
	for i := range cp.Fields {
		fd := cp.Fields[i].Field
		switch {
		case strings.HasSuffix(fd, ".med_list_codg"):
			cp.Fields[i].Field = "code"
		case strings.HasSuffix(fd, ".cnt"):
			cp.Fields[i].Field = "qty"
		case strings.HasSuffix(fd, ".pric"):
			cp.Fields[i].Field = "price"
		case strings.HasSuffix(fd, ".hosp_appr_flag"):
			cp.Fields[i].Field = "approval"
		case strings.HasPrefix(fd, "feedetail"):
			cp.Fields[i].Field = "sn"
		}
	}
	return &cp
}

// deskRevokeLine revokes one unsettled line.
func (c *Console) deskRevokeLine(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	sn := f.Get("sn")
	if sn == "" {
		err = apperr.Field("sn", "required", "请选择要撤销的明细", "choose the line to revoke")
	} else {
		_, err = c.settle.RevokeLines(r.Context(), settle.RevokeRequest{VisitID: id, SNs: []string{sn}})
	}
	if f.Catch(err) {
		return c.renderVisit(w, r, id, f, nil)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已撤销明细 " + sn, En: "Line " + sn + " revoked"})
	return redirect(w, r, "/desk/visits/"+strconv.FormatInt(id, 10))
}

// deskDischarge discharges an admission.
func (c *Console) deskDischarge(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var ce apperr.Collector
	end := parseDate(f, "end", &ce)
	if end.IsZero() && ce.Len() == 0 {
		ce.AddField("end", "required", "请填写出院日期", "the discharge date is required")
	}
	err = ce.Err()
	if err == nil {
		_, err = c.settle.Discharge(r.Context(), settle.DischargeRequest{VisitID: id, End: end,
			Diagnoses: strings.FieldsFunc(f.Get("diagnoses"), splitCodes)})
		err = renameFields(err, map[string]string{"endtime": "end", "dise_codg": "diagnoses"})
	}
	if f.Catch(err) {
		return c.renderVisit(w, r, id, f, nil)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已办理出院", En: "Discharged"})
	return redirect(w, r, "/desk/visits/"+strconv.FormatInt(id, 10))
}

// deskPreSettle computes the split of the open lines and shows it; nothing
// is stored.
func (c *Console) deskPreSettle(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	pre, err := c.settle.PreSettle(r.Context(), settle.SettleRequest{VisitID: id})
	if f.Catch(err) {
		return c.renderVisit(w, r, id, f, nil)
	}
	if err != nil {
		return err
	}
	return c.renderVisit(w, r, id, emptyForm("qty", "1"), &pre)
}

// deskSettle settles the open lines; medfee (from the pre-settlement the
// clerk saw) must still equal the lines' total, so lines changed since are
// caught. Then the slip.
func (c *Console) deskSettle(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var ce apperr.Collector
	medfee := parseMoney(f, "medfee", &ce)
	err = ce.Err()
	var st settle.Settlement
	if err == nil {
		st, err = c.settle.Settle(r.Context(), settle.SettleRequest{VisitID: id, MedFee: medfee, Invoice: f.Get("invoice")})
		err = renameFields(err, map[string]string{"medfee_sumamt": "medfee"})
	}
	if f.Catch(err) {
		return c.renderVisit(w, r, id, f, nil)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "结算完成", En: "Settled"})
	return redirect(w, r, "/desk/settlements/"+strconv.FormatInt(st.ID, 10))
}
