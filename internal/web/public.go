package web

import (
	"net/http"
	"strconv"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/notice"
)

// publicRoutes are the pages anyone may read without logging in
// (docs/notices.md): the notice board by area, a notice (printable, and
// as Excel), and the participant's own lookup by ID number and name
// (POST only, rate-limited per client address and per ID number).
func (c *Console) publicRoutes() []httpx.Route {
	pub := func(method, pattern string, h httpx.HandlerFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Public: true, Scope: httpx.ScopePublic, Handler: h}
	}
	return []httpx.Route{
		pub("GET", "/public/notices", c.publicNotices),
		pub("GET", "/public/notices/{id}", c.publicNotice),
		pub("GET", "/public/notices/{id}/print", c.publicNotice),
		pub("GET", "/public/notices/{id}/xlsx", c.publicNoticeXLSX),
		pub("GET", "/public/lookup", c.publicLookupPage),
		pub("POST", "/public/lookup", c.publicLookup),
	}
}

// Lookup limits: per client address and per ID number, in a window.
const (
	lookupPerIP   = 20
	lookupPerID   = 5
	lookupPerTime = 10 * time.Minute
)

func (c *Console) notices() *notice.Service { return notice.New(c.db, nil) }

// publicListView is the data of the public board.
type publicListView struct {
	Notices []notice.Notice
	Areas   []notice.PublicArea
	AreaID  int64
}

func (c *Console) publicNotices(w http.ResponseWriter, r *http.Request) error {
	areaID, _ := strconv.ParseInt(r.URL.Query().Get("area"), 10, 64)
	ns, areas, err := c.notices().PublicList(r.Context(), areaID)
	if err != nil {
		return err
	}
	return c.render(w, r, "public_notices.html", View{Data: publicListView{Notices: ns, Areas: areas, AreaID: areaID}})
}

// noticeView is the data of a notice page (public, print and console).
type noticeView struct {
	N        notice.Notice
	Rows     []notice.Row
	Sums     []notice.Sum
	Print    bool
	Public   bool
	Base     string // link to the notice's own page
	Console  *noticeActions
	StatusZh string
	StatusEn string
}

func (c *Console) publicNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	n, rows, err := c.notices().PublicGet(r.Context(), id)
	if err != nil {
		return err
	}
	v := newNoticeView(n, rows)
	v.Public, v.Print = true, r.Pattern == "GET /public/notices/{id}/print"
	v.Base = "/public/notices/" + itoa64(n.ID)
	return c.render(w, r, "notice_view.html", View{Data: v})
}

func newNoticeView(n notice.Notice, rows []notice.Row) noticeView {
	v := noticeView{N: n, Rows: rows, Sums: n.Sums(rows)}
	v.StatusZh, v.StatusEn = notice.StatusLabel(n.Status)
	return v
}

func (c *Console) publicNoticeXLSX(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	n, rows, err := c.notices().PublicGet(r.Context(), id)
	if err != nil {
		return err
	}
	return writeXLSX(w, "notice-"+n.Period+"-"+itoa64(n.ID), noticeTable(n, rows))
}

// noticeTable is the Excel form of a notice: the same masked rows as the page.
func noticeTable(n notice.Notice, rows []notice.Row) Table {
	if n.Kind == notice.Fund {
		t := Table{Sheet: "基金收支公示", Header: []string{"类别 / group", "项目 / item", "金额(元) / amount (yuan)"}}
		for _, l := range n.Lines {
			t.Rows = append(t.Rows, []any{l.Group, l.Zh + " / " + l.En, l.Amount.String()})
		}
		return t
	}
	t := Table{Sheet: "补偿公示", Header: []string{"序号 / No.", "姓名 / name", "乡镇 / township", "村 / village",
		"类别 / kind", "医疗机构 / institution", "日期 / date", "医疗费用(元) / cost", "补偿金额(元) / compensation"}}
	for _, r := range rows {
		zh, _ := notice.VisitKindLabel(r.VisitKind)
		t.Rows = append(t.Rows, []any{r.Seq, r.Name, r.Township, r.Village, zh, r.Institution, r.VisitDate.String(),
			r.TotalCost.String(), r.Compensation.String()})
	}
	t.Rows = append(t.Rows, []any{"", "合计 / total", "", "", "", "", "", n.TotalCost.String(), n.Compensation.String()})
	return t
}

// lookupView is the data of the self-service page. It never holds the ID
// number typed in, only the masked one of the person found.
type lookupView struct {
	Own   *notice.Own
	Error *apperr.Error
}

func (c *Console) publicLookupPage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, "public_lookup.html", View{Data: lookupView{}})
}

func (c *Console) publicLookup(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "malformed", "表单格式错误", "malformed form")
	}
	id := idcard.Normalize(r.PostFormValue("id_number"))
	name := r.PostFormValue("name")
	now := time.Now()
	fail := func(e *apperr.Error) error {
		w.Header().Set("Cache-Control", "no-store")
		return c.render(w, r, "public_lookup.html", View{Status: httpx.Status(e), Data: lookupView{Error: e}})
	}
	if !c.lookupIP.Allow(httpx.RemoteAddr(r), now) || (id != "" && !c.lookupID.Allow(id, now)) {
		return fail(notice.ErrTooMany)
	}
	own, err := c.notices().Lookup(r.Context(), id, name)
	if e, ok := apperr.As(err); ok {
		return fail(e)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, "public_lookup.html", View{Data: lookupView{Own: &own}})
}

// NoticeKind names the kind of visit of a notice row: {{$.NoticeKind .VisitKind}}.
func (p *Page) NoticeKind(k string) string { return p.Tr(notice.VisitKindLabel(k)) }

// NoticeLevel names a notice level (county, township, village).
func (p *Page) NoticeLevel(l string) string { return p.Tr(notice.LevelLabel(l)) }

// NoticeStatus names a notice status.
func (p *Page) NoticeStatus(s string) string { return p.Tr(notice.StatusLabel(s)) }
