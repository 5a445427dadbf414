package web

import (
	"net/http"
	"net/url"
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

// auditData is the audit trail page.
type auditData struct {
	Entries  []audit.Entry
	OlderURL string // the next page back in time ("" at the end)
	FirstURL string // back to the newest rows ("" on the first page)
	Export   string
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uid, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := audit.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), UserID: uid,
		Limit: auditPageSize + 1, BeforeID: before}
	if wantsXLSX(r) {
		f.Limit, f.BeforeID = 1000, 0
	}
	entries, err := audit.List(r.Context(), c.db, f)
	if err != nil {
		return err
	}
	if wantsXLSX(r) {
		return writeXLSX(w, "audit", auditTable(entries, Lang(r)))
	}
	base := url.Values{}
	for _, k := range []string{"object_type", "object_id", "user_id"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	d := auditData{Entries: entries}
	if len(entries) > auditPageSize {
		d.Entries = entries[:auditPageSize]
		older := cloneValues(base)
		older.Set("before", strconv.FormatInt(d.Entries[auditPageSize-1].ID, 10))
		d.OlderURL = "/audit?" + older.Encode()
	}
	if before != 0 {
		d.FirstURL = "/audit?" + base.Encode()
	}
	exp := cloneValues(base)
	exp.Set("format", "xlsx")
	d.Export = "/audit?" + exp.Encode()
	form := emptyForm("object_type", f.ObjectType, "object_id", f.ObjectID, "user_id", q.Get("user_id"))
	return c.render(w, r, "audit.html", View{Form: form, Data: d})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func auditTable(es []audit.Entry, lang string) Table {
	p := &Page{Lang: lang}
	t := Table{Sheet: p.Tr("审计日志", "Audit trail"), Header: []string{"#", p.Tr("时间", "Time"), p.T("label.username"),
		p.T("label.role"), p.Tr("操作", "Action"), p.Tr("对象", "Object"), p.Tr("对象编号", "Object id"),
		p.Tr("修改前", "Before"), p.Tr("修改后", "After"), p.Tr("地址", "Address")}}
	for _, e := range es {
		t.Rows = append(t.Rows, []any{e.ID, e.At, e.Username, e.Role, e.Action, e.ObjectType, e.ObjectID,
			e.Before, e.After, e.RemoteAddr})
	}
	return t
}
