package web

import (
	"net/http"
	"strconv"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/money"
	"ncms/internal/statement"
)

// trueUpRow is an institution's true-up for the year: recorded, or as it
// would be recorded now.
type trueUpRow struct {
	statement.TrueUpPreview
	Institution string
	Share       money.Rate // the year's self-paid share
	CanPerform  bool
}

// trueUpView is the data of the year-end true-up page.
type trueUpView struct {
	Year       int
	Rows       []trueUpRow
	Table      *List[trueUpRow] // the rows sorted and paged (?sort, ?dir, ?page)
	CanPerform bool
}

func (c *Console) trueUpPage(w http.ResponseWriter, r *http.Request) error {
	year := atoiDefault(r.URL.Query().Get("year"), time.Now().In(statement.China).Year()-1)
	return c.renderTrueUp(w, r, emptyForm("year", strconv.Itoa(year)), year)
}

func (c *Console) renderTrueUp(w http.ResponseWriter, r *http.Request, f *Form, year int) error {
	a := actorOf(r)
	v := trueUpView{Year: year, CanPerform: a.Can(stmtReviewers...) && countyWide(a)}
	_, insts, err := c.institutionOptions(r, false)
	if err != nil {
		return err
	}
	s := c.statements()
	for _, in := range insts {
		p, err := s.PreviewYearEnd(r.Context(), in.ID, year)
		if err != nil {
			return err
		}
		row := trueUpRow{TrueUpPreview: p, Institution: in.Code + " " + in.Name, CanPerform: v.CanPerform && p.Ready()}
		st := statement.Statement{BaseMedFee: p.BaseMedFee, BaseSelfPaid: p.BaseSelfPaid}
		row.Share = st.SelfPaidShare()
		v.Rows = append(v.Rows, row)
	}
	v.Table = newList(r, "trueups", trueUpColumns(Lang(r)), v.Rows, "institution", 50)
	if wantsXLSX(r) && r.Method == http.MethodGet {
		return v.Table.Export(w, "trueups-"+strconv.Itoa(year), "年终清算")
	}
	return c.render(w, r, "statement_trueups.html", View{Status: f.Status, Form: f, Data: v})
}

// trueUpPerform makes the true-up of one institution for the year.
func (c *Console) trueUpPerform(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	year, _ := strconv.Atoi(f.Get("year"))
	t, err := c.statements().YearEnd(r.Context(), f.Int("institution_id"), year)
	if f.Catch(err) {
		for _, fe := range f.Errors { // the page has no fields: show it at the top
			f.Error = &apperr.Error{Code: fe.Code, Zh: fe.Zh, En: fe.En}
		}
		if year < 2000 || year > 2100 {
			year = time.Now().In(statement.China).Year() - 1
		}
		return c.renderTrueUp(w, r, f, year)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已年终清算:返还 " + t.Returned.String() + ",扣留 " + t.Kept.String(),
		En: "Trued up: returned " + t.Returned.String() + ", kept " + t.Kept.String()})
	return redirect(w, r, "/statements/trueups?year="+strconv.Itoa(year))
}
