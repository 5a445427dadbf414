package web

import (
	"net/http"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/complaint"
	"ncms/internal/httpx"
	"ncms/internal/money"
	"ncms/internal/outbox"
)

// complaintRoutes are the complaints and tip-offs pages (docs/complaints.md):
// the list with the intake form, and an item with its workflow steps.
func (c *Console) complaintRoutes() []httpx.Route {
	county := httpx.ScopeCounty
	steps := []access.Role{access.Inspector, access.Director, access.Finance}
	return []httpx.Route{
		{Method: "GET", Pattern: "/complaints", Roles: complaint.Readers, Scope: county, Handler: c.complaintList},
		{Method: "POST", Pattern: "/complaints", Roles: complaint.Intake, Scope: county, Handler: c.complaintReceive},
		{Method: "GET", Pattern: "/complaints/{id}", Roles: complaint.Readers, Scope: county, Handler: c.complaintPage},
		{Method: "POST", Pattern: "/complaints/{id}/step", Roles: steps, Scope: county, Handler: c.complaintStep},
	}
}

func (c *Console) complaints() *complaint.Service { return complaint.New(c.db, nil) }

// complaintRow is an item as the console lists it: contact masked.
type complaintRow struct {
	complaint.Item
	ContactMasked string
}

type complaintListView struct {
	Rows      []complaintRow
	Table     *List[complaintRow] // sorted and paged (?sort, ?dir, ?page)
	Capped    bool                // the newest complaintListMax only
	Max       int
	Status    string
	CanIntake bool
	Channels  []Option
	Statuses  []string
}

// complaintList lists complaints (?status), newest first or by a column
// (?sort, ?dir), 50 a page; ?format=xlsx: the same rows in the same order.
func (c *Console) complaintList(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	items, err := c.complaints().List(r.Context(), complaint.Filter{Status: st, Limit: complaintListMax})
	if err != nil {
		return err
	}
	a, _ := access.FromContext(r.Context())
	v := complaintListView{Status: st, CanIntake: a.Can(complaint.Intake...), Statuses: complaintStatuses,
		Capped: len(items) >= complaintListMax, Max: complaintListMax}
	for _, it := range items {
		v.Rows = append(v.Rows, complaintRow{Item: it, ContactMasked: outbox.MaskPhone(it.Contact)})
	}
	v.Table = newList(r, "complaint-list", complaintColumns(Lang(r)), v.Rows, "", 50)
	if wantsXLSX(r) {
		return v.Table.Export(w, "complaints", "投诉举报")
	}
	p := &Page{Lang: Lang(r)}
	for _, ch := range complaint.Channels {
		v.Channels = append(v.Channels, Option{Value: ch, Label: p.Tr(complaint.Label(ch))})
	}
	return c.render(w, r, "complaint_list.html", View{Form: emptyForm("kind", complaint.Complaint), Data: v})
}

func (c *Console) complaintReceive(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	on, _ := civil.Parse(f.Get("received_on"))
	it, err := c.complaints().Receive(r.Context(), complaint.Item{Kind: f.Get("kind"), Channel: f.Get("channel"), ReceivedOn: on,
		Complainant: f.Get("complainant"), Contact: f.Get("contact"), InstitutionID: f.Int("institution_id"),
		Subject: f.Get("subject"), Details: f.Get("details")})
	if err != nil {
		return c.backWithError(w, r, err, "/complaints")
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记", En: "Recorded"})
	return redirect(w, r, "/complaints/"+itoa64(it.ID))
}

type complaintView struct {
	It            complaint.Item
	ContactMasked string
	Events        []complaint.Event
	Me            string
	CanAssign     bool
	CanAnswer     bool
	CanConfirm    bool
	CanReward     bool
	CanPay        bool
	CanDeduct     bool     // raise a deduction notice from it (RaiseDeduction)
	Institutions  []Option // for the notice when the complaint names none
}

func (c *Console) complaintPage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	return c.renderComplaint(w, r, id, emptyForm("respond_by", noticeRespondBy()))
}

// renderComplaint shows an item with the steps the user may take; f is the
// deduction notice form (with its errors after a failed submission).
func (c *Console) renderComplaint(w http.ResponseWriter, r *http.Request, id int64, f *Form) error {
	it, evs, err := c.complaints().Get(r.Context(), id)
	if err != nil {
		return err
	}
	a, _ := access.FromContext(r.Context())
	v := complaintView{It: it, ContactMasked: outbox.MaskPhone(it.Contact), Events: evs, Me: a.Username,
		CanAssign:  (it.Status == complaint.Received || it.Status == complaint.Assigned) && a.Can(complaint.Assigners...),
		CanAnswer:  it.Status == complaint.Assigned && it.Assignee == a.Username,
		CanConfirm: it.Status == complaint.Answered && a.Can(complaint.Deciders...) && it.AnsweredBy != a.Username,
		CanReward: it.Kind == complaint.Tip && it.Status == complaint.Confirmed && it.RewardStatus == "" &&
			(it.Finding == complaint.Substantiated || it.Finding == complaint.Partly) && a.Can(complaint.Deciders...),
		CanPay: it.RewardStatus == complaint.RewardGranted && a.Can(complaint.Payers...),
		CanDeduct: it.Status == complaint.Confirmed && it.DeductionID == 0 && a.Can(complaint.Deciders...) &&
			(it.Finding == complaint.Substantiated || it.Finding == complaint.Partly),
	}
	if v.CanDeduct && it.InstitutionID == 0 {
		opts, _, err := c.institutionOptions(r, false)
		if err != nil {
			return err
		}
		v.Institutions = append([]Option{{Value: "", Label: (&Page{Lang: Lang(r)}).Tr("请选择", "choose")}}, opts...)
	}
	return c.render(w, r, "complaint_view.html", View{Status: f.Status, Form: f, Data: v})
}

func (c *Console) complaintStep(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s, ctx := c.complaints(), r.Context()
	switch f.Get("step") {
	case "assign":
		due, _ := civil.Parse(f.Get("due_on"))
		_, err = s.Assign(ctx, id, f.Get("assignee"), due)
	case "answer":
		_, err = s.Answer(ctx, id, f.Get("answer"), f.Get("finding"))
	case "confirm":
		_, err = s.Confirm(ctx, id, f.Get("reopen") == "1", f.Get("note"))
	case "reward":
		amt, perr := money.Parse(f.Get("reward"))
		if perr != nil {
			amt = 0
		}
		_, err = s.GrantReward(ctx, id, amt)
	case "reward_paid":
		on, _ := civil.Parse(f.Get("paid_on"))
		_, err = s.RewardPaid(ctx, id, on)
	default:
		err = errUnknownStep
	}
	back := "/complaints/" + itoa64(id)
	if err != nil {
		return c.backWithError(w, r, err, back)
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存", En: "Saved"})
	return redirect(w, r, back)
}

// ComplaintLabel names a complaint code (kind, status, finding, channel).
func (p *Page) ComplaintLabel(code string) string { return p.Tr(complaint.Label(code)) }
