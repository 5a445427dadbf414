package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// slipLine is one line of a slip: the stored line's name, quantity and
// price with the split the settlement used.
type slipLine struct {
	SN, Code, Name, Class, Reason        string
	Qty                                  engine.Qty
	Price                                engine.Price
	Total, FullOwn, OverLimit, FirstSelf money.Fen
	InScope                              money.Fen
}

// slipLines joins the engine's line splits with the stored lines (by
// feedetl_sn; a line of settlement setl first, then any unrevoked line).
func slipLines(res *engine.Result, stored []settle.DeskLine, setl int64) []slipLine {
	if res == nil {
		return nil
	}
	pick := map[string]settle.DeskLine{}
	for _, l := range stored {
		old, seen := pick[l.SN]
		switch {
		case !seen, setl != 0 && l.SettlementID == setl,
			old.Status == "revoked" && l.Status != "revoked" && !(setl != 0 && old.SettlementID == setl):
			pick[l.SN] = l
		}
	}
	out := make([]slipLine, 0, len(res.Lines))
	for _, sp := range res.Lines {
		l := pick[sp.ID]
		out = append(out, slipLine{SN: sp.ID, Code: l.Code, Name: l.Name, Class: l.Class, Reason: string(sp.Reason.String()),
			Qty: l.Qty, Price: l.Price, Total: sp.Total, FullOwn: sp.FullOwn, OverLimit: sp.OverLimit,
			FirstSelf: sp.FirstSelf, InScope: sp.InScope})
	}
	return out
}

// slipLayer is one layer's amount on the slip.
type slipLayer struct {
	Zh, En string
	Amount money.Fen
	ID     string
}

// slipData is the settlement slip (结算单).
type slipData struct {
	S           settle.Settlement
	Person      settle.DeskPerson
	Visit       settle.Visit
	MedTypeZh   string
	MedTypeEn   string
	Institution institution.Institution
	Lines       []slipLine
	Layers      []slipLayer
	Caps        []engine.Step // the engine's cap steps: limit, used before, left
	Pools       []engine.Pool // year-to-date pools after this settlement
	ReversedBy  int64
	CanReverse  bool
	Clerk       bool // an institution clerk (offered the next patient)
}

// slipLayers lists basic always, the other layers when present.
func slipLayers(r *engine.Result) []slipLayer {
	out := []slipLayer{{"基本医疗保险统筹基金(基本补偿)", "basic compensation", r.Basic, "slip-basic"}}
	for _, l := range []slipLayer{
		{"大病保险", "catastrophic insurance", r.Catastrophic, "slip-catastrophic"},
		{"医疗救助", "medical assistance", r.Assistance, "slip-assistance"},
		{"政府兜底", "government backstop", r.Backstop, "slip-backstop"},
		{"公共卫生补助", "public-health subsidy", r.PublicHealth, "slip-public-health"},
	} {
		if l.Amount != 0 {
			out = append(out, l)
		}
	}
	return out
}

// deskSlip shows the printable settlement slip.
func (c *Console) deskSlip(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	return c.renderSlip(w, r, id, emptyForm())
}

func (c *Console) renderSlip(w http.ResponseWriter, r *http.Request, id int64, f *Form) error {
	ctx := r.Context()
	st, err := c.settle.Get(ctx, id)
	if err != nil {
		return err
	}
	clerk := principal(r).Actor.Scope.IsInstitution()
	d := slipData{S: st, Clerk: clerk, CanReverse: clerk && st.Reverses == 0}
	if d.Visit, err = c.settle.GetVisit(ctx, st.VisitID); err != nil {
		return err
	}
	d.MedTypeZh, d.MedTypeEn = settle.MedTypeName(st.MedType)
	if d.Person, err = c.settle.DeskPersonByID(ctx, st.PersonID); err != nil {
		return err
	}
	if d.Institution, err = institution.Load(ctx, c.db, st.InstitutionID); err != nil {
		return err
	}
	lines, err := c.settle.VisitLines(ctx, st.VisitID)
	if err != nil {
		return err
	}
	orig := st.ID
	if st.Reverses != 0 {
		orig = st.Reverses
	}
	d.Lines = slipLines(st.Result, lines, orig)
	if st.Result != nil {
		d.Layers = slipLayers(st.Result)
		for _, s := range st.Result.Trace {
			if s.Code == "cap" {
				d.Caps = append(d.Caps, s)
			}
		}
		for _, p := range st.Result.YTD.Pools {
			if strings.HasPrefix(p.Key, "cap:") {
				d.Pools = append(d.Pools, engine.Pool{Key: strings.TrimPrefix(p.Key, "cap:"), Amount: p.Amount})
			}
		}
	}
	rows, err := c.settle.VisitSettlements(ctx, st.VisitID)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.ID == st.ID && row.ReversedBy != 0 {
			d.ReversedBy, d.CanReverse = row.ReversedBy, false
		}
	}
	return c.render(w, r, "desk_slip.html", View{Status: f.Status, Form: f, Data: d})
}

// deskReverse reverses a settlement once the clerk ticks the confirmation.
func (c *Console) deskReverse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var rev settle.Settlement
	if !f.Bool("confirm") {
		err = apperr.Field("confirm", "confirm", "请勾选确认撤销本次结算", "tick the box to confirm the reversal")
	} else {
		rev, err = c.settle.Reverse(r.Context(), settle.ReverseRequest{SettlementID: id})
	}
	if f.Catch(err) {
		return c.renderSlip(w, r, id, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "结算已撤销", En: "Settlement reversed"})
	return redirect(w, r, "/desk/settlements/"+strconv.FormatInt(rev.ID, 10))
}

// deskDayData is the day's visits, settlements and totals.
type deskDayData struct {
	Date         civil.Date
	Institution  *institution.Institution
	Institutions []Option // for county readers
	Visits       []settle.DayVisit
	Settlements  []settle.SettlementRow
	Table        *List[settle.SettlementRow] // Settlements sorted (?sort=), one page of it
	ByClr        []settle.ClrTotal
	Day          *settle.DayTotal
}

// deskDay lists an institution's visits and settlements of ?date= (default
// today) with the totals by clr_type and the day's totals; county readers
// choose ?institution_id=.
func (c *Console) deskDay(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := principal(r).Actor
	q := r.URL.Query()
	f := emptyForm("date", q.Get("date"), "institution_id", q.Get("institution_id"))
	var ce apperr.Collector
	d := deskDayData{Date: parseDate(f, "date", &ce)}
	if d.Date.IsZero() {
		d.Date = deskToday()
		f.Values.Set("date", d.Date.String())
	}
	if f.Catch(ce.Err()) {
		return c.render(w, r, "desk_day.html", View{Status: f.Status, Form: f, Data: d})
	}
	inst := f.Int("institution_id")
	if a.Scope.IsInstitution() {
		inst = a.Scope.InstitutionID
	} else {
		list, _, err := institution.New(c.db, institution.Options{}).List(ctx, institution.Filter{Limit: 500})
		if err != nil {
			return err
		}
		for _, in := range list {
			d.Institutions = append(d.Institutions, Option{Value: strconv.FormatInt(in.ID, 10), Label: in.Code + " " + in.Name})
		}
	}
	if inst == 0 {
		return c.render(w, r, "desk_day.html", View{Form: f, Data: d})
	}
	if err := c.loadDay(r, inst, &d); err != nil {
		return err
	}
	d.Table = newList(r, "desk-day-settlements", daySettlementColumns(Lang(r)), d.Settlements, "", 50)
	if wantsXLSX(r) {
		return d.Table.Export(w, "settlements-"+d.Date.String(), "当日结算")
	}
	return c.render(w, r, "desk_day.html", View{Form: f, Data: d})
}

// loadDay reads the day's lists and totals of institution inst.
func (c *Console) loadDay(r *http.Request, inst int64, d *deskDayData) error {
	ctx := r.Context()
	var err error
	if d.Visits, err = c.settle.DayVisits(ctx, inst, d.Date); err != nil {
		return err
	}
	in, err := institution.Load(ctx, c.db, inst)
	if err != nil {
		return err
	}
	d.Institution = &in
	if d.Settlements, err = c.settle.DaySettlements(ctx, inst, d.Date); err != nil {
		return err
	}
	if d.ByClr, err = c.settle.DayTotalsByClrType(ctx, inst, d.Date); err != nil {
		return err
	}
	days, err := c.settle.DailyTotals(ctx, inst, d.Date, d.Date)
	if err != nil {
		return err
	}
	if len(days) == 1 {
		d.Day = &days[0]
	}
	return nil
}
