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

// auditExportMax is the most rows one Excel export of the trail holds (the
// first ones in the page's order; the page says so when the filter has
// more).
const auditExportMax = 10000

// auditData is the audit trail page.
type auditData struct {
	Entries []audit.Entry
	Order   SQLOrder
	Pager   *Pager
	Capped  bool // the filter has more rows than one export holds
	Max     int
}

// auditPage lists the trail (?object_type, ?object_id, ?user_id), newest
// first or by a sortable column (?sort, ?dir), 50 a page; ?format=xlsx:
// the same rows in the same order (at most auditExportMax).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uid, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
	cols := auditColumns()
	d := auditData{Order: newSQLOrderDesc(r, sqlHeads(cols, auditSortable...), "id"), Max: auditExportMax}
	f := audit.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), UserID: uid,
		Order: d.Order.Key, Desc: d.Order.Desc}
	total, err := audit.Count(r.Context(), c.db, f)
	if err != nil {
		return err
	}
	if wantsXLSX(r) {
		var all []audit.Entry
		for f.Offset = 0; f.Offset < min(total, auditExportMax); f.Offset += 1000 {
			f.Limit = min(1000, auditExportMax-f.Offset)
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
	f.Limit, f.Offset = d.Pager.Limit(), d.Pager.Offset()
	if d.Entries, err = audit.List(r.Context(), c.db, f); err != nil {
		return err
	}
	d.Capped = total > auditExportMax
	form := emptyForm("object_type", f.ObjectType, "object_id", f.ObjectID, "user_id", q.Get("user_id"))
	return c.render(w, r, "audit.html", View{Form: form, Data: d})
}
