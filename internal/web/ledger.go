package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/fund"
	"ncms/internal/httpx"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// ledgerRoutes: the fund's books and the fund report (county-wide).
func (c *Console) ledgerRoutes() []httpx.Route {
	county, read, write := httpx.ScopeCounty, ledger.ReadRoles, fund.WriteRoles
	return []httpx.Route{
		{Method: "GET", Pattern: "/fund", Roles: read, Scope: county, Handler: c.fundPage},
		{Method: "POST", Pattern: "/fund/allocation", Roles: write, Scope: county, Handler: c.fundAllocate},
		{Method: "POST", Pattern: "/fund/events", Roles: write, Scope: county, Handler: c.fundEvent},
		{Method: "GET", Pattern: "/ledger", Roles: read, Scope: county, Handler: c.ledgerTrial},
		{Method: "GET", Pattern: "/ledger/postings", Roles: read, Scope: county, Handler: c.ledgerPostings},
		{Method: "GET", Pattern: "/ledger/entries/{id}", Roles: read, Scope: county, Handler: c.ledgerEntry},
	}
}

// trialData is the trial balance page.
type trialData struct {
	TB     ledger.TrialBalance
	Detail bool
	Query  string
}

// ledgerTrial shows the trial balance (?year=&from=&to=&detail=1;
// ?format=xlsx); every total links to its postings.
func (c *Console) ledgerTrial(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := ledger.ParseFilter(q.Get)
	if err != nil {
		return err
	}
	detail := q.Get("detail") == "1"
	tb, err := ledger.New(c.db).TrialBalance(r.Context(), f, detail)
	if err != nil {
		return err
	}
	if wantsXLSX(r) {
		p := &Page{Lang: Lang(r)}
		t := Table{Sheet: p.Tr("试算平衡表", "Trial balance"), Header: []string{p.Tr("科目代码", "Code"), p.Tr("科目", "Account"),
			p.Tr("机构", "Institution"), p.Tr("明细", "Key"), p.Tr("笔数", "Postings"), p.Tr("借方", "Debit"), p.Tr("贷方", "Credit"), p.Tr("余额", "Balance")}}
		for _, row := range tb.Rows {
			t.Rows = append(t.Rows, []any{string(row.Account.Code), p.Tr(row.Account.Zh, row.Account.En), row.Institution, row.Key,
				row.Postings, row.Debit.String(), row.Credit.String(), row.Balance.String()})
		}
		t.Rows = append(t.Rows, []any{"", p.Tr("合计", "Total"), "", "", "", tb.Debit.String(), tb.Credit.String(), ""})
		return writeXLSX(w, "trial-balance", t)
	}
	return c.render(w, r, "ledger_trial.html", View{Form: emptyForm("year", q.Get("year"), "from", q.Get("from"), "to", q.Get("to")),
		Data: trialData{TB: tb, Detail: detail, Query: f.Query()}})
}

// RowFilter is the drill-down filter of a trial-balance row.
func (d trialData) RowFilter(row ledger.BalanceRow) string {
	f := d.TB.Filter
	f.Account, f.Prefix = row.Account.Code, ""
	if d.Detail {
		f.Institution, f.Key = row.Institution, row.Key
	}
	return f.Query()
}

// postingsData is the postings page: an account statement when one
// account is chosen, else the drill-down list.
type postingsData struct {
	Filter    ledger.Filter
	Statement *ledger.Statement
	Rows      []ledger.Posting
	Total     int
	Query     string
}

// ledgerPostings lists postings of a filter; with an account it is the
// account statement with opening, running and closing balance.
func (c *Console) ledgerPostings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := ledger.ParseFilter(q.Get)
	if err != nil {
		return err
	}
	s := ledger.New(c.db)
	d := postingsData{Filter: f, Query: f.Query()}
	if f.Account != "" && f.EventKind == "" && f.EventID == 0 {
		st, err := s.Statement(r.Context(), f)
		if err != nil {
			return err
		}
		d.Statement, d.Rows, d.Total = &st, st.Rows, len(st.Rows)
	} else {
		off, _ := strconv.Atoi(q.Get("offset"))
		if d.Rows, d.Total, err = s.Postings(r.Context(), f, 200, max(off, 0)); err != nil {
			return err
		}
	}
	if wantsXLSX(r) {
		p := &Page{Lang: Lang(r)}
		t := Table{Sheet: p.Tr("明细账", "Postings"), Header: []string{p.Tr("日期", "Date"), p.Tr("凭证号", "Entry"), p.Tr("业务", "Event"),
			p.Tr("业务号", "Event id"), p.Tr("科目", "Account"), p.Tr("机构", "Institution"), p.Tr("明细", "Key"), p.Tr("借方", "Debit"),
			p.Tr("贷方", "Credit"), p.Tr("余额", "Balance"), p.Tr("摘要", "Memo")}}
		for _, x := range d.Rows {
			t.Rows = append(t.Rows, []any{x.Date.String(), x.EntryID, x.EventKind.Zh(), x.EventID, string(x.Account), x.Institution, x.Key,
				x.Debit.String(), x.Credit.String(), x.Balance.String(), x.Memo})
		}
		return writeXLSX(w, "postings", t)
	}
	return c.render(w, r, "ledger_postings.html", View{Data: d})
}

// AccountName names a code in Chinese.
func (d postingsData) AccountName(code ledger.Code) string {
	a, _ := ledger.Lookup(code)
	return a.Zh
}

// ledgerEntry shows an entry, its lines and the event it records.
func (c *Console) ledgerEntry(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := ledger.New(c.db).Entry(r.Context(), id)
	if err != nil {
		return err
	}
	return c.render(w, r, "ledger_entry.html", View{Data: entryData{E: e, EventURL: eventURL(e)}})
}

type entryData struct {
	E        ledger.Entry
	EventURL string
}

// AccountName names a code in Chinese.
func (entryData) AccountName(code ledger.Code) string {
	a, _ := ledger.Lookup(code)
	return a.Zh
}

// eventURL is the console page of the event an entry records ("" when
// the event has no page of its own).
func eventURL(e ledger.Entry) string {
	if e.EventID == 0 {
		return ""
	}
	switch e.Kind {
	case ledger.EvContribution, ledger.EvContributionRefund:
		return fmt.Sprintf("/enroll/receipts/%d", e.EventID)
	case ledger.EvArrival, ledger.EvArrivalReversal:
		return fmt.Sprintf("/enroll/receivables?year=%d", e.Year)
	case ledger.EvCorrection:
		return fmt.Sprintf("/ledger/entries/%d", e.EventID)
	case ledger.EvAllocation, ledger.EvInterest, ledger.EvOpening:
		return fmt.Sprintf("/fund?year=%d", e.Year)
	}
	return fmt.Sprintf("/ledger/postings?event_kind=%s&event_id=%d", e.Kind, e.EventID)
}

// fundData is the fund report page.
type fundData struct {
	Year    int
	R       fund.Report
	CanBook bool
}

// Wan formats fen as 万元 with two decimals.
func (fundData) Wan(f money.Fen) string { return fund.Wan(f, 2) }

// Yuan formats fen as yuan with separators.
func (fundData) Yuan(f money.Fen) string { return fund.Yuan(f) }

// Pct formats a rate as a percentage.
func (fundData) Pct(r money.Rate) string { return fund.Percent(r) }

// fundPage shows the fund report of a year (?year=; ?format=xlsx).
func (c *Console) fundPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderFund(w, r, emptyForm("year", r.URL.Query().Get("year")))
}

func (c *Console) renderFund(w http.ResponseWriter, r *http.Request, f *Form) error {
	year := int(f.Int("year"))
	if year == 0 {
		year = fund.New(c.db, nil).Today().Year
	}
	f.Values.Set("year", strconv.Itoa(year))
	rep, err := fund.New(c.db, nil).Report(r.Context(), year)
	if err != nil {
		return err
	}
	if wantsXLSX(r) {
		return writeXLSXBook(w, "fund-"+strconv.Itoa(year), fundTables(&Page{Lang: Lang(r)}, rep)...)
	}
	d := fundData{Year: year, R: rep, CanBook: principal(r).Actor.Can(fund.WriteRoles...)}
	return c.render(w, r, "fund.html", View{Status: f.Status, Form: f, Data: d})
}

// fundAllocate sets the year's allocation: risk reserve % and pools
// ("code=yuan per enrollee" per line).
func (c *Console) fundAllocate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var col apperr.Collector
	rate, rerr := money.ParseRate(f.Get("reserve_rate"))
	if rerr != nil {
		col.AddField("reserve_rate", "bad_rate", "比例格式错误，如 5 表示5%", "not a percentage, e.g. 5 for 5%")
	}
	in := fund.AllocateInput{Year: int(f.Int("year")), ReserveRate: rate, On: parseDate(f, "on", &col)}
	for i, ln := range strings.Split(f.Get("pools"), "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" {
			continue
		}
		code, amt, _ := strings.Cut(ln, "=")
		per, perr := money.Parse(strings.TrimSpace(amt))
		if perr != nil {
			col.AddField("pools", "bad_pool", fmt.Sprintf("第%d行应为 代码=每人金额", i+1), fmt.Sprintf("line %d: code=amount per enrollee", i+1))
		}
		in.Pools = append(in.Pools, fund.PoolSpec{Code: strings.TrimSpace(code), Name: strings.TrimSpace(code), PerEnrollee: per})
	}
	err = col.Err()
	if err == nil {
		_, err = fund.New(c.db, nil).Allocate(r.Context(), in)
	}
	if f.Catch(err) {
		return c.renderFund(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存基金分配", En: "Allocation saved"})
	return redirect(w, r, "/fund?year="+f.Get("year"))
}

// fundEvent records interest or a balance brought forward.
func (c *Console) fundEvent(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var col apperr.Collector
	in := fund.EventInput{Year: int(f.Int("year")), Amount: parseMoney(f, "amount", &col), On: parseDate(f, "on", &col),
		Reference: f.Get("reference"), Note: f.Get("note")}
	err = col.Err()
	if err == nil {
		s := fund.New(c.db, nil)
		if f.Get("kind") == string(ledger.EvOpening) {
			_, err = s.RecordOpening(r.Context(), in)
		} else {
			_, err = s.RecordInterest(r.Context(), in)
		}
	}
	if f.Catch(err) {
		return c.renderFund(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已入账", En: "Posted"})
	return redirect(w, r, "/fund?year="+f.Get("year"))
}
