package web

import (
	"net/http"
	"strconv"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// instFormView is the data of the create / edit form.
type instFormView struct {
	ID     int64 // 0 when creating
	Code   string
	Levels []Option
	Areas  []Option
}

// institutionNew shows the empty create form (in county, agreement and
// networked ticked, as most new institutions are).
func (c *Console) institutionNew(w http.ResponseWriter, r *http.Request) error {
	return c.renderInstForm(w, r, emptyForm("in_county", "1", "agreement", "1", "networked", "1"), 0)
}

func (c *Console) renderInstForm(w http.ResponseWriter, r *http.Request, f *Form, id int64) error {
	p := &Page{Lang: Lang(r)}
	v := instFormView{ID: id, Code: f.Get("fixmedins_code"), Levels: append([]Option{{Value: "", Label: "—"}}, levelOptions(p)...)}
	var err error
	if v.Areas, err = c.areaOptions(r); err != nil {
		return err
	}
	return c.render(w, r, "institution_form.html", View{Status: f.Status, Form: f, Data: v})
}

// areaOptions lists the county, its townships and their villages for the
// institution's location.
func (c *Console) areaOptions(r *http.Request) ([]Option, error) {
	ctx, s := r.Context(), c.reg()
	out := []Option{{Value: "", Label: "—"}}
	root, err := s.Root(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, Option{Value: itoa64(root.ID), Label: root.Name})
	towns, err := s.Children(ctx, root.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range towns {
		out = append(out, Option{Value: itoa64(t.ID), Label: root.Name + " " + t.Name})
	}
	places, err := s.Places(ctx)
	if err != nil {
		return nil, err
	}
	for _, pl := range places {
		out = append(out, Option{Value: itoa64(pl.ID), Label: pl.FullName})
	}
	return out, nil
}

// instInput reads the form into the service's input (validation is the
// service's).
func instInput(f *Form) institution.Input {
	lv, _ := institution.ParseLevel(f.Get("level"))
	if lv == "" {
		lv = institution.Level(f.Get("level"))
	}
	return institution.Input{Code: f.Get("fixmedins_code"), Name: f.Get("fixmedins_name"), Level: lv,
		Private: f.Bool("private"), AreaID: formID(f.Get("area_id")), InCounty: f.Bool("in_county"),
		Agreement: f.Bool("agreement"), Networked: f.Bool("networked"), BankName: f.Get("bank_name"),
		BankAccountName: f.Get("bank_account_name"), BankAccountNo: f.Get("bank_account_no")}
}

// institutionCreate registers an institution and shows its credentials once.
func (c *Console) institutionCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s, err := c.inst(true)
	if err != nil {
		return err
	}
	in, cred, err := s.Create(r.Context(), instInput(f))
	if f.Catch(err) {
		return c.renderInstForm(w, r, f, 0)
	}
	if err != nil {
		return err
	}
	return c.renderCredentials(w, r, in, cred, true, 0)
}

// institutionEdit shows the edit form filled from the institution.
func (c *Console) institutionEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s, _ := c.inst(false)
	in, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := emptyForm("fixmedins_code", in.Code, "fixmedins_name", in.Name, "level", string(in.Level),
		"bank_name", in.BankName, "bank_account_name", in.BankAccountName, "bank_account_no", in.BankAccountNo)
	if in.AreaID != 0 {
		f.Values.Set("area_id", itoa64(in.AreaID))
	}
	for k, b := range map[string]bool{"private": in.Private, "in_county": in.InCounty, "agreement": in.Agreement, "networked": in.Networked} {
		if b {
			f.Values.Set(k, "1")
		}
	}
	return c.renderInstForm(w, r, f, id)
}

// institutionSave stores the edit form. The code cannot change: the form
// does not offer it, and the service refuses a different one.
func (c *Console) institutionSave(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s, _ := c.inst(false)
	before, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f.Values.Set("fixmedins_code", before.Code)
	_, err = s.Update(r.Context(), id, instInput(f))
	if f.Catch(err) {
		return c.renderInstForm(w, r, f, id)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存", En: "Saved"})
	return redirect(w, r, "/institutions/"+itoa64(id))
}

// institutionStatus suspends, reinstates or withdraws an institution (the
// service checks the change and the reason).
func (c *Console) institutionStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	ch := institution.StatusChange{Status: institution.Status(f.Get("status")), Reason: f.Get("reason")}
	if d := f.Get("since"); d != "" {
		if ch.Since, err = civil.Parse(d); err != nil {
			f.Catch(apperr.Field("since", "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"))
			return c.renderInstitution(w, r, f, "status")
		}
	}
	s, _ := c.inst(false)
	in, err := s.SetStatus(r.Context(), id, ch)
	if f.Catch(err) {
		return c.renderInstitution(w, r, f, "status")
	}
	if err != nil {
		return err
	}
	zh, en := in.Status.Label()
	c.flash(w, Flash{Kind: "ok", Zh: "状态已变更为" + zh, En: "Status changed to " + en})
	return redirect(w, r, "/institutions/"+itoa64(id))
}

// maxGraceHours bounds the grace period offered on the rotate form.
const maxGraceHours = 30 * 24

// institutionRotate issues a new secret and shows it once. The previous
// secret keeps working for the grace period chosen (hours).
func (c *Console) institutionRotate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	hours, perr := strconv.Atoi(f.Get("grace"))
	if f.Get("grace") == "" {
		hours, perr = 24, nil
	}
	if perr != nil || hours < 1 || hours > maxGraceHours {
		f.Catch(apperr.Field("grace", "grace", "宽限期应为1至720小时", "the grace period must be 1 to 720 hours"))
		return c.renderInstitution(w, r, f, "rotate")
	}
	s, err := c.inst(true)
	if err != nil {
		return err
	}
	in, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	grace := time.Duration(hours) * time.Hour
	cred, err := s.Rotate(r.Context(), id, grace)
	if f.Catch(err) {
		return c.renderInstitution(w, r, f, "rotate")
	}
	if err != nil {
		return err
	}
	return c.renderCredentials(w, r, in, cred, false, grace)
}

// credView is the data of the one-time credentials page.
type credView struct {
	In      institution.Institution
	Cred    institution.Credentials
	Created bool
	Grace   time.Duration
	Until   time.Time // when the previous secret stops working (rotation)
}

// renderCredentials shows the paasid and the secret — the only time the
// secret is ever shown. The page must not be cached or stored, and the
// secret goes nowhere else (no URL, flash, log or audit row).
func (c *Console) renderCredentials(w http.ResponseWriter, r *http.Request, in institution.Institution,
	cred institution.Credentials, created bool, grace time.Duration) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	v := credView{In: in, Cred: cred, Created: created, Grace: grace}
	if grace > 0 {
		v.Until = time.Now().Add(grace)
	}
	return c.render(w, r, "institution_credentials.html", View{Data: v})
}
