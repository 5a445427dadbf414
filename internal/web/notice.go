package web

import (
	"net/http"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/notice"
	"ncms/internal/outbox"
)

// noticeRoutes are the console pages of public notices (docs/notices.md):
// the month's list with the generate forms, a notice with review, publish
// and withdraw, its print and Excel forms; and the outbox of messages.
func (c *Console) noticeRoutes() []httpx.Route {
	area := httpx.ScopeArea
	return []httpx.Route{
		{Method: "GET", Pattern: "/notices", Roles: notice.Readers, Scope: area, Handler: c.noticeList},
		{Method: "POST", Pattern: "/notices/generate", Roles: notice.Makers, Scope: area, Handler: c.noticeGenerate},
		{Method: "GET", Pattern: "/notices/{id}", Roles: notice.Readers, Scope: area, Handler: c.noticePage},
		{Method: "GET", Pattern: "/notices/{id}/print", Roles: notice.Readers, Scope: area, Handler: c.noticePage},
		{Method: "GET", Pattern: "/notices/{id}/xlsx", Roles: notice.Readers, Scope: area, Handler: c.noticeXLSX},
		{Method: "POST", Pattern: "/notices/{id}/step", Roles: append(append([]access.Role{}, notice.Checkers...), notice.Publishers...),
			Scope: area, Handler: c.noticeStep},
		{Method: "GET", Pattern: "/outbox", Roles: outbox.Readers, Scope: httpx.ScopeCounty, Handler: c.outboxPage},
		{Method: "POST", Pattern: "/outbox/{id}/retry", Roles: []access.Role{access.Admin, access.Director}, Scope: httpx.ScopeCounty,
			Handler: c.outboxRetry},
		{Method: "POST", Pattern: "/outbox/contribution-due", Roles: []access.Role{access.Enrollment, access.Finance, access.Admin},
			Scope: area, Handler: c.outboxContributionDue},
	}
}

// noticeActions says which steps the caller may take on a notice.
type noticeActions struct {
	CanReview, CanPublish, CanWithdraw bool
	Today, Until                       string
}

type noticeListView struct {
	Period   string
	Items    []notice.Notice
	Table    *List[notice.Notice] // sorted and paged (?sort, ?dir, ?page)
	CanMake  bool
	Previous string
}

func (c *Console) noticeList(w http.ResponseWriter, r *http.Request) error {
	today := civil.Of(time.Now().In(notice.China))
	prev := civil.New(today.Year, today.Month, 1).AddDays(-1)
	prevP := prev.String()[:7]
	p := r.URL.Query().Get("period")
	if p == "" {
		p = prevP
	}
	if _, _, err := notice.ParsePeriod(p); err != nil {
		return err
	}
	items, err := c.notices().List(r.Context(), notice.Filter{Period: p})
	if err != nil {
		return err
	}
	a, _ := access.FromContext(r.Context())
	v := noticeListView{Period: p, Items: items, CanMake: a.Can(notice.Makers...), Previous: prevP}
	v.Table = newList(r, "notice-list", noticeColumns(Lang(r)), items, "", noticePerPage)
	if wantsXLSX(r) {
		return v.Table.Export(w, "notices-"+p, "公示")
	}
	return c.render(w, r, "notice_list.html", View{Form: emptyForm("period", p), Data: v})
}

func (c *Console) noticeGenerate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	p := f.Get("period")
	back := "/notices?period=" + p
	s := c.notices()
	if f.Get("kind") == notice.Fund {
		n, err := s.GenerateFund(r.Context(), p)
		if err != nil {
			return c.backWithError(w, r, err, back)
		}
		c.flash(w, Flash{Kind: "ok", Zh: "已生成基金收支公示", En: "Fund notice generated"})
		return redirect(w, r, "/notices/"+itoa64(n.ID))
	}
	ns, err := s.GenerateMonth(r.Context(), p)
	if err != nil {
		return c.backWithError(w, r, err, back)
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已生成 " + itoa64(int64(len(ns))) + " 份公示", En: itoa64(int64(len(ns))) + " notices generated"})
	return redirect(w, r, back)
}

func (c *Console) noticePage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	n, rows, err := c.notices().Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := newNoticeView(n, rows)
	v.Print = r.Pattern == "GET /notices/{id}/print"
	v.Base = "/notices/" + itoa64(n.ID)
	a, _ := access.FromContext(r.Context())
	today := civil.Of(time.Now().In(notice.China))
	act := &noticeActions{
		CanReview:   n.Status == notice.Draft && a.Can(notice.Checkers...) && a.Username != n.CreatedBy,
		CanPublish:  n.Status == notice.Reviewed && a.Can(notice.Publishers...),
		CanWithdraw: n.Status != notice.Withdrawn && a.Can(notice.Publishers...),
		Today:       today.String(), Until: today.AddDays(notice.MinDays - 1).String(),
	}
	if !v.Print {
		v.Console = act
	}
	return c.render(w, r, "notice_view.html", View{Data: v})
}

func (c *Console) noticeXLSX(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	n, rows, err := c.notices().Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeXLSX(w, "notice-"+n.Period+"-"+itoa64(n.ID), noticeTable(n, rows))
}

func (c *Console) noticeStep(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	back := "/notices/" + itoa64(id)
	s := c.notices()
	var zh, en string
	switch f.Get("step") {
	case "review":
		_, err = s.Review(r.Context(), id)
		zh, en = "已审核", "Reviewed"
	case "publish":
		from, _ := civil.Parse(f.Get("publish_from"))
		to, _ := civil.Parse(f.Get("publish_to"))
		_, err = s.Publish(r.Context(), id, from, to)
		zh, en = "已发布", "Published"
	case "withdraw":
		_, err = s.Withdraw(r.Context(), id, f.Get("reason"))
		zh, en = "已撤回", "Withdrawn"
	default:
		return c.backWithError(w, r, errUnknownStep, back)
	}
	if err != nil {
		return c.backWithError(w, r, err, back)
	}
	c.flash(w, Flash{Kind: "ok", Zh: zh, En: en})
	return redirect(w, r, back)
}

// outboxRow is a message as the console shows it: recipient masked.
type outboxRow struct {
	outbox.Message
	To     string
	KindZh string
	KindEn string
}

type outboxView struct {
	Rows     []outboxRow // this page's, in the list's order
	Order    SQLOrder    // ?sort, ?dir (outbox.Orders)
	Pager    *Pager
	Capped   bool // the first outboxMax only
	Max      int
	Counts   outbox.Counts
	Status   string
	CanRetry bool
}

// outboxPage lists the messages (?status), newest first or by a sortable
// column, 50 a page, sorted and paged in SQL; ?format=xlsx: the same rows
// in the same order (the first outboxMax, as the pages).
func (c *Console) outboxPage(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	lang := Lang(r)
	cols := outboxColumns(lang)
	a, _ := access.FromContext(r.Context())
	v := outboxView{Order: newSQLOrderDesc(r, sqlHeads(cols, outboxSortable...), "id"), Status: st,
		CanRetry: a.Can(access.Admin, access.Director), Max: outboxMax}
	f := outbox.Filter{Status: st, Order: v.Order.Key, Desc: v.Order.Desc, Limit: 1}
	_, counts, err := outbox.List(r.Context(), c.db, f)
	if err != nil {
		return err
	}
	v.Counts = counts
	total := counts.Pending + counts.Sent + counts.Failed
	switch st {
	case "":
	case outbox.Pending:
		total = counts.Pending
	case outbox.Sent:
		total = counts.Sent
	case outbox.Failed:
		total = counts.Failed
	default:
		total = 0
	}
	v.Capped, total = total > outboxMax, min(total, outboxMax)
	fetch := func(offset, limit int) error {
		f.Offset, f.Limit = offset, limit
		ms, _, err := outbox.List(r.Context(), c.db, f)
		for _, m := range ms {
			row := outboxRow{Message: m, To: outbox.MaskPhone(m.Recipient)}
			row.Recipient = ""
			row.KindZh, row.KindEn = outbox.KindLabel(m.Kind)
			v.Rows = append(v.Rows, row)
		}
		return err
	}
	if wantsXLSX(r) {
		for off := 0; off < total; off += 1000 {
			if err := fetch(off, min(1000, total-off)); err != nil {
				return err
			}
		}
		return exportRows(w, r, cols, v.Rows, "outbox", (&Page{Lang: lang}).Tr("消息发送", "Outbox"))
	}
	v.Pager = newPager(r, 50)
	v.Pager.Total = total
	if v.Pager.Page > v.Pager.Pages() {
		v.Pager.Page = v.Pager.Pages()
	}
	if n := min(v.Pager.Limit(), total-v.Pager.Offset()); n > 0 {
		if err := fetch(v.Pager.Offset(), n); err != nil {
			return err
		}
	}
	return c.render(w, r, "outbox.html", View{Form: emptyForm(), Data: v})
}

func (c *Console) outboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := outbox.Retry(r.Context(), c.db, id, time.Now()); err != nil {
		return c.backWithError(w, r, err, "/outbox?status=failed")
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已重新排队", En: "Queued again"})
	return redirect(w, r, "/outbox?status=failed")
}

func (c *Console) outboxContributionDue(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	deadline, _ := civil.Parse(f.Get("deadline"))
	n, err := c.notices().ContributionDue(r.Context(), int(f.Int("year")), deadline)
	back := "/outbox"
	if a, _ := access.FromContext(r.Context()); !a.Can(outbox.Readers...) {
		back = "/notices"
	}
	if err != nil {
		return c.backWithError(w, r, err, back)
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已生成 " + itoa64(int64(n)) + " 条缴费提醒", En: itoa64(int64(n)) + " reminders queued"})
	return redirect(w, r, back)
}

var errUnknownStep = apperr.New(apperr.Invalid, "step", "未知的操作", "unknown step")

// backWithError shows a user error as a flash on the page to go back to;
// other errors are returned.
func (c *Console) backWithError(w http.ResponseWriter, r *http.Request, err error, back string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	zh, en := e.Zh, e.En
	if len(e.Fields) > 0 {
		var zs, es []string
		for _, f := range e.Fields {
			zs, es = append(zs, f.Zh), append(es, f.En)
		}
		zh, en = strings.Join(zs, ";"), strings.Join(es, "; ")
	}
	c.flash(w, Flash{Kind: "error", Zh: zh, En: en})
	return redirect(w, r, back)
}
