package web

import (
	"net/http"
	"net/url"

	"ncms/internal/access"
	"ncms/internal/claims"
	"ncms/internal/complaint"
	"ncms/internal/notice"
	"ncms/internal/statement"
	"ncms/internal/supervise"
)

// The "work waiting" panel (待办工作) of the home page: for the caller's
// role, each queue with work in it, its count and a link to it. The panel
// is the partial "work-waiting" (templates/_work.html), included by the
// home page templates; it reads its data through Page.Work, computed only
// when a template asks, so the home handler needs no change. Every count is
// read through its service, so the caller's scope applies.

// WorkItem is one queue with its count.
type WorkItem struct {
	ID     string // element id suffix (work-claims-first_review, ...)
	Zh, En string
	Count  int
	Href   string
	Mine   bool // the caller's role works this queue (shown first, emphasized)
}

// WorkWaiting is the panel's data.
type WorkWaiting struct {
	Items []WorkItem
	Total int // sum of the caller's own queues
}

// Work returns the work waiting for the caller (nil when there is none to
// show or it could not be read: the home page still renders).
func (p *Page) Work() *WorkWaiting {
	if p.work == nil {
		return nil
	}
	return p.work()
}

// workWaiting reads the queues the caller may open.
func (c *Console) workWaiting(r *http.Request) *WorkWaiting {
	a := principal(r).Actor
	can := func(pattern string) bool { return c.router.Allows(a, http.MethodGet, pattern) }
	var w WorkWaiting
	add := func(it WorkItem) {
		w.Items = append(w.Items, it)
		if it.Mine {
			w.Total += it.Count
		}
	}
	steps := []func() error{
		func() error { // an institution's visits of today
			if !a.Scope.IsInstitution() || !can("/desk/day") {
				return nil
			}
			vs, err := c.settle.DayVisits(r.Context(), a.Scope.InstitutionID, deskToday())
			if err != nil {
				return err
			}
			add(WorkItem{ID: "desk-day", Zh: "今日就诊登记", En: "Visits registered today", Count: len(vs), Href: "/desk/day", Mine: true})
			return nil
		},
		func() error { // manual claims by review stage
			if !can("/claims") {
				return nil
			}
			counts, err := c.claims().Counts(r.Context())
			if err != nil {
				return err
			}
			for _, st := range append(append([]claims.Stage{}, claims.ReviewStages...), claims.Approved) {
				zh, en := st.Label()
				mine := a.Can(stageRoles(st)...)
				if st == claims.Approved {
					mine = a.Can(access.Finance)
				}
				if counts[st] > 0 || mine {
					add(WorkItem{ID: "claims-" + string(st), Zh: "手工报销 · " + zh, En: "Claims · " + en, Count: counts[st],
						Href: "/claims?stage=" + url.QueryEscape(string(st)), Mine: mine})
				}
			}
			return nil
		},
		func() error { // statements to check (finance) and to approve (director)
			if !can("/statements") || a.Scope.IsInstitution() {
				return nil
			}
			for _, s := range []struct {
				status, zh, en string
				roles          []access.Role
			}{
				{statement.Draft, "月度结算单待复核", "Statements to check", []access.Role{access.Finance}},
				{statement.Checked, "月度结算单待审批", "Statements to approve", []access.Role{access.Director}},
			} {
				list, err := c.statements().List(r.Context(), statement.Filter{Status: s.status, Limit: 5000})
				if err != nil {
					return err
				}
				add(WorkItem{ID: "statements-" + s.status, Zh: s.zh, En: s.en, Count: len(list), Href: "/statements", Mine: a.Can(s.roles...)})
			}
			return nil
		},
		func() error { // supervision cases not closed
			if !can("/supervision") {
				return nil
			}
			cs, err := c.supervise().Counts(r.Context())
			if err != nil {
				return err
			}
			open := cs.ByStatus[supervise.StatusOpen] + cs.ByStatus[supervise.StatusAssigned] + cs.ByStatus[supervise.StatusInvestigating]
			add(WorkItem{ID: "cases", Zh: "稽核案件待处理", En: "Open supervision cases", Count: open,
				Href: "/supervision?status=active", Mine: a.Can(access.Inspector, access.Director)})
			return nil
		},
		func() error { // notices to review and to publish
			if !can("/notices") {
				return nil
			}
			for _, s := range []struct {
				status, zh, en string
				roles          []access.Role
			}{
				{notice.Draft, "公示待审核", "Notices to review", notice.Checkers},
				{notice.Reviewed, "公示待发布", "Notices to publish", notice.Publishers},
			} {
				list, err := c.notices().List(r.Context(), notice.Filter{Status: s.status})
				if err != nil {
					return err
				}
				add(WorkItem{ID: "notices-" + s.status, Zh: s.zh, En: s.en, Count: len(list),
					Href: "/notices?status=" + s.status, Mine: a.Can(s.roles...)})
			}
			return nil
		},
		func() error { // complaints received or assigned, not answered
			if !can("/complaints") {
				return nil
			}
			n := 0
			for _, st := range []string{complaint.Received, complaint.Assigned, complaint.Answered} {
				list, err := c.complaints().List(r.Context(), complaint.Filter{Status: st, Limit: 10000})
				if err != nil {
					return err
				}
				n += len(list)
			}
			add(WorkItem{ID: "complaints", Zh: "投诉举报待办结", En: "Complaints open", Count: n, Href: "/complaints",
				Mine: a.Can(access.Inspector, access.Director)})
			return nil
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			c.log.Warn("work waiting", "err", err)
		}
	}
	if len(w.Items) == 0 {
		return nil
	}
	// The caller's own queues first, then the others, each in reading order.
	var mine, other []WorkItem
	for _, it := range w.Items {
		if it.Mine {
			mine = append(mine, it)
		} else {
			other = append(other, it)
		}
	}
	w.Items = append(mine, other...)
	return &w
}
