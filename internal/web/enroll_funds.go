package web

import (
	"net/http"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
)

// receivablesData is the fund-raising page.
type receivablesData struct {
	Years   []Option
	R       *enroll.Receivables
	Sources []Option // arrival sources, for the arrival form
	CanBook bool
}

// enrollReceivables shows due against received per source and township
// (?year=; ?format=xlsx exports the tables).
func (c *Console) enrollReceivables(w http.ResponseWriter, r *http.Request) error {
	return c.renderReceivables(w, r, emptyForm("year", r.URL.Query().Get("year")))
}

func (c *Console) renderReceivables(w http.ResponseWriter, r *http.Request, f *Form) error {
	s := c.enr()
	ys, err := s.Years(r.Context())
	if err != nil {
		return err
	}
	year := int(f.Int("year"))
	if year == 0 {
		year = defaultYear(ys)
	}
	f.Values.Set("year", strconv.Itoa(year))
	d := receivablesData{Years: yearOptions(ys, year), CanBook: principal(r).Actor.Can(enroll.FinanceRoles...)}
	for _, src := range enroll.Sources {
		if src != enroll.Individual {
			zh, en := src.Label()
			d.Sources = append(d.Sources, Option{Value: string(src), Label: zh + " " + en, Selected: string(src) == f.Get("source")})
		}
	}
	if year != 0 {
		rec, err := s.Receivables(r.Context(), year)
		if err != nil {
			return err
		}
		d.R = &rec
		if wantsXLSX(r) {
			return writeXLSX(w, "receivables-"+strconv.Itoa(year), receivablesTable(&Page{Lang: Lang(r)}, rec))
		}
	}
	return c.render(w, r, "enroll_receivables.html", View{Status: f.Status, Form: f, Data: d})
}

func receivablesTable(p *Page, rec enroll.Receivables) Table {
	t := Table{Sheet: p.Tr("筹资到账", "Receivables"), Header: []string{p.Tr("资金来源", "Source"), p.Tr("人数", "Persons"),
		p.Tr("应收", "Due"), p.Tr("已到账", "Received"), p.Tr("未到账", "Outstanding"), p.Tr("到账率", "Arrival rate"), p.Tr("最长逾期天数", "Max days late")}}
	for _, l := range append(rec.Sources, rec.Total) {
		name := p.Tr("合计", "Total")
		if l.Source != "total" {
			name = p.SourceLabel(l.Source)
		}
		t.Rows = append(t.Rows, []any{name, l.Persons, l.Due.String(), l.Received.String(), l.Outstanding.String(), l.RateText(), l.MaxLateDays})
	}
	return t
}

// enrollArrivalCreate records an installment received.
func (c *Console) enrollArrivalCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var col apperr.Collector
	in := enroll.ArrivalInput{Year: int(f.Int("year")), Source: enroll.Source(f.Get("source")), Amount: parseMoney(f, "amount", &col),
		ArrivedOn: parseDate(f, "arrived_on", &col), DueDate: parseDate(f, "due_date", &col), Reference: f.Get("reference"), Note: f.Get("note")}
	err = col.Err()
	if err == nil {
		_, err = c.enr().RecordArrival(r.Context(), in)
	}
	if f.Catch(err) {
		return c.renderReceivables(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记到账", En: "Arrival recorded"})
	return redirect(w, r, "/enroll/receivables?year="+f.Get("year"))
}

// enrollArrivalReverse reverses an installment recorded in error.
func (c *Console) enrollArrivalReverse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.enr().ReverseArrival(r.Context(), id, f.Get("reason"))
	if f.Catch(err) {
		return c.renderReceivables(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已冲销该笔到账", En: "Arrival reversed"})
	return redirect(w, r, "/enroll/receivables?year="+f.Get("year"))
}
