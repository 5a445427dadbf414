package web

import (
	"net/http"
	"net/url"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/registry"
)

// deskData is the enrollment desk page.
type deskData struct {
	Years     []Option
	Year      int
	Found     []registry.Household // search results
	Searched  bool
	Household *enroll.HouseholdStatus
	Tiers     []Option
	Quote     *enroll.Quote
	QuoteErr  string
	Joining   bool // members join a household already enrolled this year
	PersonIDs []int64
	Methods   []Option
}

// enrollDesk shows the desk: ?year=, ?household= (an id), ?tier=.
func (c *Console) enrollDesk(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := emptyForm("year", q.Get("year"), "household_id", q.Get("household"), "tier", q.Get("tier"),
		"paid_on", q.Get("paid_on"), "method", q.Get("method"))
	return c.renderDesk(w, r, f, nil)
}

// enrollSearch finds households by number, a member's name or ID number
// (a POST, so that an ID number never appears in a URL).
func (c *Console) enrollSearch(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	res, err := c.reg().SearchHouseholds(r.Context(), registry.Query{Q: f.Get("q"), Page: registry.Page{Limit: 30}})
	if f.Catch(err) {
		return c.renderDesk(w, r, f, nil)
	}
	if err != nil {
		return err
	}
	if len(res.Items) == 1 {
		return redirect(w, r, "/enroll?"+url.Values{"year": {f.Get("year")}, "household": {strconv.FormatInt(res.Items[0].ID, 10)}}.Encode())
	}
	return c.renderDesk(w, r, f, res.Items)
}

// renderDesk renders the desk for the form's year and household.
func (c *Console) renderDesk(w http.ResponseWriter, r *http.Request, f *Form, found []registry.Household) error {
	s := c.enr()
	ys, err := s.Years(r.Context())
	if err != nil {
		return err
	}
	d := deskData{Found: found, Searched: found != nil || f.Get("q") != "", Methods: methodOptions(f.Get("method"))}
	if d.Year = int(f.Int("year")); d.Year == 0 {
		d.Year = defaultYear(ys)
	}
	d.Years = yearOptions(ys, d.Year)
	if hid := f.Int("household_id"); hid != 0 && d.Year != 0 {
		if err := c.deskHousehold(r, s, f, &d, hid); err != nil {
			return err
		}
	}
	return c.render(w, r, "enroll_desk.html", View{Status: f.Status, Form: f, Data: d})
}

// deskHousehold loads the household's status and a quote for the chosen tier.
func (c *Console) deskHousehold(r *http.Request, s *enroll.Service, f *Form, d *deskData, hid int64) error {
	hs, err := s.Household(r.Context(), hid, d.Year)
	if err != nil {
		return err
	}
	d.Household = &hs
	y, err := s.Year(r.Context(), d.Year)
	if err != nil {
		return err
	}
	tier := int(f.Int("tier"))
	if hs.Tier != 0 {
		tier, d.Joining = hs.Tier, true
	} else if tier == 0 && len(y.Tiers()) > 0 {
		tier = y.Tiers()[0]
	}
	for _, t := range y.Tiers() {
		d.Tiers = append(d.Tiers, Option{Value: strconv.Itoa(t), Label: enroll.TierName(t) + " · " + y.TierTotal(t).String() + "元", Selected: t == tier})
	}
	f.Values.Set("tier", strconv.Itoa(tier))
	if hs.Pending == 0 {
		return nil
	}
	in := enroll.EnrollInput{Year: d.Year, HouseholdID: hid, Tier: tier, PaidOn: dateOr(f.Get("paid_on"))}
	if d.Joining {
		for _, m := range hs.Members {
			if m.Status == registry.Active && (m.Enrollment == nil || m.Enrollment.Cancelled) {
				in.PersonIDs = append(in.PersonIDs, m.PersonID)
			}
		}
		d.PersonIDs = in.PersonIDs
	}
	q, err := s.Quote(r.Context(), in)
	if e, ok := apperr.As(err); ok {
		d.QuoteErr = (&Page{Lang: Lang(r)}).Tr(e.Zh, e.En)
		return nil
	}
	d.Quote = &q
	return err
}

func methodOptions(chosen string) []Option {
	labels := map[string]string{"cash": "现金 cash", "bank": "银行转账 bank", "pos": "刷卡 POS", "wechat": "微信 WeChat", "alipay": "支付宝 Alipay"}
	out := make([]Option, 0, len(enroll.Methods))
	for _, m := range enroll.Methods {
		out = append(out, Option{Value: m, Label: labels[m], Selected: m == chosen})
	}
	return out
}

// enrollSubmit takes the payment and shows the receipt.
func (c *Console) enrollSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	in := enroll.EnrollInput{Year: int(f.Int("year")), HouseholdID: f.Int("household_id"), Tier: int(f.Int("tier")),
		PaidOn: dateOr(f.Get("paid_on")), Method: f.Get("method")}
	for _, v := range f.Values["person_id"] {
		if id := formID(v); id != 0 {
			in.PersonIDs = append(in.PersonIDs, id)
		}
	}
	rc, err := c.enr().Enroll(r.Context(), in)
	if f.Catch(err) {
		return c.renderDesk(w, r, f, nil)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已收费，收据号 " + rc.No, En: "Payment taken, receipt " + rc.No})
	return redirect(w, r, "/enroll/receipts/"+strconv.FormatInt(rc.PaymentID, 10))
}

// receiptData is the receipt page.
type receiptData struct {
	R         enroll.Receipt
	CanCancel bool
}

func (c *Console) enrollReceipt(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	return c.renderReceipt(w, r, id, emptyForm())
}

func (c *Console) renderReceipt(w http.ResponseWriter, r *http.Request, id int64, f *Form) error {
	rc, err := c.enr().Receipt(r.Context(), id)
	if err != nil {
		return err
	}
	d := receiptData{R: rc, CanCancel: principal(r).Actor.Can(enroll.DeskRoles...) && rc.Status != enroll.ReceiptReversed}
	return c.render(w, r, "enroll_receipt.html", View{Status: f.Status, Form: f, Data: d})
}

// enrollReceiptLookup finds a receipt by number (?no=2026-000001).
func (c *Console) enrollReceiptLookup(w http.ResponseWriter, r *http.Request) error {
	rc, err := c.enr().ReceiptByNo(r.Context(), r.URL.Query().Get("no"))
	if err != nil {
		return err
	}
	return redirect(w, r, "/enroll/receipts/"+strconv.FormatInt(rc.PaymentID, 10))
}

// enrollCancel cancels the whole receipt or the ticked persons.
func (c *Console) enrollCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	in := enroll.CancelInput{PaymentID: id, Reason: f.Get("reason"), On: dateOr(f.Get("on"))}
	for _, v := range f.Values["person_id"] {
		if pid := formID(v); pid != 0 {
			in.PersonIDs = append(in.PersonIDs, pid)
		}
	}
	_, err = c.enr().Cancel(r.Context(), in)
	if f.Catch(err) {
		return c.renderReceipt(w, r, id, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已冲销", En: "Reversed"})
	return redirect(w, r, "/enroll/receipts/"+strconv.FormatInt(id, 10))
}
