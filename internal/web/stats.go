package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"ncms/internal/httpx"
	"ncms/internal/stats"
)

// statsRoutes: the statistical tables (docs/stats.md) and their drill-down.
// A township user sees its township only (the service filters by scope).
func (c *Console) statsRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/stats", Roles: stats.ReadRoles, Scope: httpx.ScopeArea, Handler: c.statsPage},
		{Method: "GET", Pattern: "/stats/records", Roles: stats.ReadRoles, Scope: httpx.ScopeArea, Handler: c.statsRecords},
	}
}

// statsData is the statistics page.
type statsData struct {
	Reports []stats.Report
	Dims    []stats.Dim
	Table   *stats.Table
	Query   url.Values // the period and dimension, for drill-down and export links
}

// DrillURL is the records link of a row.
func (d statsData) DrillURL(key string) string {
	v := url.Values{}
	for _, k := range []string{"year", "month", "quarter", "from", "to", "by"} {
		if x := d.Query.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	if d.Table != nil {
		v.Set("by", string(d.Table.By))
	}
	v.Set("key", key)
	return "/stats/records?" + v.Encode()
}

// ExportURL is the page's Excel download.
func (d statsData) ExportURL() string {
	v := url.Values{}
	for k, x := range d.Query {
		v[k] = x
	}
	v.Set("format", "xlsx")
	return "/stats?" + v.Encode()
}

// statsPage shows a report (?report=&year=&month=|quarter=|from=&to=&by=;
// &format=xlsx|csv downloads it).
func (c *Console) statsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("year") == "" {
		q.Set("year", fmt.Sprint(time.Now().Year()))
	}
	if q.Get("report") == "" {
		q.Set("report", "summary")
	}
	f := emptyForm("report", q.Get("report"), "year", q.Get("year"), "month", q.Get("month"), "quarter", q.Get("quarter"),
		"from", q.Get("from"), "to", q.Get("to"), "by", q.Get("by"))
	d := statsData{Reports: stats.Reports, Dims: stats.Dims, Query: q}
	sq, err := stats.ParseQuery(q.Get)
	if err == nil {
		d.Table, err = stats.New(c.db).Table(r.Context(), sq)
	}
	if err != nil {
		if f.Catch(err) {
			return c.render(w, r, "stats.html", View{Status: f.Status, Form: f, Data: d})
		}
		return err
	}
	if format := q.Get("format"); format == "xlsx" || format == "csv" {
		ct := "text/csv; charset=utf-8"
		if format == "xlsx" {
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"stats.%s\"; filename*=UTF-8''%s", format,
			url.PathEscape(d.Table.Title+"-"+d.Table.Period+"."+format)))
		return stats.Write(w, d.Table, format)
	}
	return c.render(w, r, "stats.html", View{Form: f, Data: d})
}

// statsRecordsData is the drill-down page.
type statsRecordsData struct {
	Records []stats.Record // this page's, in the list's order
	Order   SQLOrder       // ?sort, ?dir (stats.RecordOrders)
	Pager   *Pager
	Total   int64
	Capped  bool // the first statsRecordsMax only
	Max     int
	Period  string
}

// statsRecords lists the settlements and claims behind a cell, oldest
// first or by a sortable column, 50 a page, sorted and paged by the
// service; ?format=xlsx: the same rows in the same order (the first
// statsRecordsMax, as the pages).
func (c *Console) statsRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := stats.ParsePeriod(q.Get)
	if err != nil {
		return err
	}
	by, err := stats.ParseDim(q.Get("by"))
	if err != nil {
		return err
	}
	lang := Lang(r)
	cols := statsRecordColumns(lang)
	d := statsRecordsData{Order: newSQLOrder(r, sqlHeads(cols, statsRecordSortable...), "date"), Period: p.Label(), Max: statsRecordsMax}
	svc := stats.New(c.db)
	dr := stats.Drill{Period: p, By: by, Key: q.Get("key"), Order: d.Order.Key, Desc: d.Order.Desc}
	fetch := func(offset, limit int) error {
		dr.Offset, dr.Limit = offset, limit
		list, n, err := svc.Records(r.Context(), dr)
		d.Records, d.Total = append(d.Records, list...), n
		return err
	}
	if wantsXLSX(r) {
		if err := fetch(0, 1000); err != nil {
			return err
		}
		for off := 1000; off < int(min(d.Total, statsRecordsMax)); off += 1000 {
			if err := fetch(off, min(1000, statsRecordsMax-off)); err != nil {
				return err
			}
		}
		return exportRows(w, r, cols, d.Records, "records", (&Page{Lang: lang}).Tr("统计明细", "Records"))
	}
	d.Pager = newPager(r, 50)
	if err := fetch(d.Pager.Offset(), d.Pager.Limit()); err != nil {
		return err
	}
	d.Capped = d.Total > statsRecordsMax
	d.Pager.Total = int(min(d.Total, statsRecordsMax))
	if d.Pager.Page > d.Pager.Pages() { // past the end: the last page
		d.Pager.Page, d.Records = d.Pager.Pages(), nil
		if err := fetch(d.Pager.Offset(), d.Pager.Limit()); err != nil {
			return err
		}
	}
	return c.render(w, r, "stats_records.html", View{Data: d})
}
