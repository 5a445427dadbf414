package web

import (
	"net/http"
	"strconv"

	"ncms/internal/audit"
	"ncms/internal/httpx"
)

// auditRoutes: the audit trail viewer (administrators and auditors with a
// county-wide scope: the trail covers the whole county).
func (c *Console) auditRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/audit", Roles: adminAuditor, Scope: httpx.ScopeCounty, Handler: c.auditPage},
	}
}

// auditPageSize is how many rows one page of the trail shows.
const auditPageSize = 50

// auditMax is the most rows of the trail the pages and one Excel export
// reach: the first ones in the page's order (the page says so when the
// filter has more). It bounds the count too, so that the page stays quick
// on a trail of millions of rows. A variable for tests.
var auditMax = 10000

// auditData is the audit trail page.
type auditData struct {
	Entries []audit.Entry
	Order   SQLOrder
	Pager   *Pager
	Capped  bool // the filter has more than auditMax rows
	Max     int
}

// auditPage lists the trail (?object_type, ?object_id, ?user_id), newest
// first or by a sortable column (?sort, ?dir), 50 a page; ?format=xlsx:
// the same rows in the same order (the first auditMax of them, as the
// pages).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uid, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
	cols := auditColumns()
	d := auditData{Order: newSQLOrderDesc(r, sqlHeads(cols, auditSortable...), "id"), Max: auditMax}
	f := audit.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), UserID: uid,
		Order: d.Order.Key, Desc: d.Order.Desc}
	total, err := audit.Count(r.Context(), c.db, f, auditMax+1)
	if err != nil {
		return err
	}
	d.Capped, total = total > auditMax, min(total, auditMax)
	if wantsXLSX(r) {
		var all []audit.Entry
		for f.Offset = 0; f.Offset < total; f.Offset += 1000 {
			f.Limit = min(1000, total-f.Offset)
			es, err := audit.List(r.Context(), c.db, f)
			if err != nil {
				return err
			}
			all = append(all, es...)
			if len(es) < f.Limit {
				break
			}
		}
		p := &Page{Lang: Lang(r)}
		return exportRows(w, r, cols, all, "audit", p.Tr("审计日志", "Audit trail"))
	}
	d.Pager = newPager(r, auditPageSize)
	d.Pager.Total = total
	if d.Pager.Page > d.Pager.Pages() {
		d.Pager.Page = d.Pager.Pages()
	}
	f.Limit, f.Offset = min(d.Pager.Limit(), total-d.Pager.Offset()), d.Pager.Offset()
	if f.Limit > 0 {
		if d.Entries, err = audit.List(r.Context(), c.db, f); err != nil {
			return err
		}
	}
	form := emptyForm("object_type", f.ObjectType, "object_id", f.ObjectID, "user_id", q.Get("user_id"))
	return c.render(w, r, "audit.html", View{Form: form, Data: d})
}
