package web

import (
	"fmt"
	"net/http"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// householdView is the data of the household page.
type householdView struct {
	Household registry.Household
	Places    []registry.Place
	CanWrite  bool
}

// householdPage shows a household with its members.
func (c *Console) householdPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderHousehold(w, r, emptyForm())
}

func (c *Console) renderHousehold(w http.ResponseWriter, r *http.Request, f *Form) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	h, err := c.reg().Household(r.Context(), id)
	if err != nil {
		return err
	}
	v := householdView{Household: h, CanWrite: canWriteRegister(r)}
	if v.CanWrite {
		if v.Places, err = c.reg().Places(r.Context()); err != nil {
			return err
		}
	}
	return c.render(w, r, "registry_household.html", View{Status: f.Status, Form: f, Data: v})
}

// householdMove moves a household to another village or group.
func (c *Console) householdMove(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	_, err = c.reg().MoveHousehold(r.Context(), id, f.Int("area_id"))
	if f.Catch(err) {
		return c.renderHousehold(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已迁移到新的村/组", En: "Moved to the new village or group"})
	return redirect(w, r, fmt.Sprintf("/households/%d", id))
}

// memberRow is one member line of the household form.
type memberRow struct {
	N        int   // 1-based row number; field names are m<N>_<field>
	PersonID int64 // 0 for a new member
	MaskedID string
	HasID    bool
	Cats     map[string]bool
}

// Name returns the form field name of this row's field.
func (m memberRow) Name(field string) string { return fmt.Sprintf("m%d_%s", m.N, field) }

// householdFormView is the data of the registration and edit form.
type householdFormView struct {
	Edit       bool
	Household  registry.Household
	Places     []registry.Place
	Rows       []memberRow
	Others     []registry.Person // members who left (shown, not edited)
	Relations  []string
	Categories []registry.Category
	Events     []registry.EventKind
}

const maxRows = 30

// rowCount reads how many member rows the form shows ("add_row" adds one).
func rowCount(f *Form, least int) int {
	n := int(f.Int("rows"))
	if f.Get("add_row") != "" {
		n++
	}
	return max(least, min(n, maxRows))
}

// householdNew shows an empty registration form.
func (c *Console) householdNew(w http.ResponseWriter, r *http.Request) error {
	f := emptyForm("rows", "4", "m1_relation", registry.Head)
	if a := r.URL.Query().Get("area"); a != "" {
		f.Values.Set("area_id", a)
	}
	return c.renderHouseholdForm(w, r, f, registry.Household{}, 4)
}

func (c *Console) renderHouseholdForm(w http.ResponseWriter, r *http.Request, f *Form, h registry.Household, rows int) error {
	places, err := c.reg().Places(r.Context())
	if err != nil {
		return err
	}
	v := householdFormView{Edit: h.ID != 0, Household: h, Places: places, Relations: registry.Relations,
		Categories: registry.AllCategories, Events: []registry.EventKind{registry.EvRegistered, registry.EvBorn, registry.EvMovedIn}}
	for _, m := range h.Members {
		if m.Status != registry.Active {
			v.Others = append(v.Others, m)
		}
	}
	f.Values.Set("rows", fmt.Sprint(rows))
	for n := 1; n <= rows; n++ {
		row := memberRow{N: n, Cats: map[string]bool{}, PersonID: f.Int(fmt.Sprintf("m%d_person_id", n))}
		for _, code := range f.Values[row.Name("cat")] {
			row.Cats[code] = true
		}
		for _, m := range h.Members {
			if m.ID == row.PersonID && m.IDNumber != "" {
				row.HasID, row.MaskedID = true, m.MaskedID()
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return c.render(w, r, "registry_household_form.html", View{Status: f.Status, Form: f, Data: v})
}

// householdCreate registers the household of the form.
func (c *Console) householdCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	rows := rowCount(f, 1)
	if f.Get("add_row") != "" {
		return c.renderHouseholdForm(w, r, f, registry.Household{}, rows)
	}
	edits, nums, ok := readMembers(f, rows, nil)
	in := registry.HouseholdInput{Number: f.Get("number"), AreaID: f.Int("area_id"), Address: f.Get("address"), Phone: f.Get("phone")}
	for _, e := range edits {
		in.Members = append(in.Members, e.PersonInput)
	}
	if !ok {
		f.Status = http.StatusUnprocessableEntity
		return c.renderHouseholdForm(w, r, f, registry.Household{}, rows)
	}
	h, err := c.reg().RegisterHousehold(r.Context(), in)
	if f.Catch(memberErrors(err, nums)) {
		return c.renderHouseholdForm(w, r, f, registry.Household{}, rows)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记户 " + h.Number, En: "Registered household " + h.Number})
	return redirect(w, r, fmt.Sprintf("/households/%d", h.ID))
}

// householdEdit shows the edit form filled with the household.
func (c *Console) householdEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	h, err := c.reg().Household(r.Context(), id)
	if err != nil {
		return err
	}
	f := emptyForm("number", h.Number, "address", h.Address, "phone", h.Phone)
	n := 0
	for _, m := range active(h.Members) {
		n++
		set := func(k, v string) { f.Values.Set(fmt.Sprintf("m%d_%s", n, k), v) }
		set("person_id", fmt.Sprint(m.ID))
		set("name", m.Name)
		set("relation", m.Relation)
		set("sex", fmt.Sprint(int(m.Sex)))
		set("birth_date", m.BirthDate.String())
		set("phone", m.Phone)
		for _, cat := range m.Categories {
			f.Values.Add(fmt.Sprintf("m%d_cat", n), string(cat))
		}
	}
	for i, m := range active(h.Members) {
		for j, mother := range active(h.Members) {
			if m.MotherID != 0 && mother.ID == m.MotherID {
				f.Values.Set(fmt.Sprintf("m%d_mother", i+1), fmt.Sprint(j+1))
			}
		}
	}
	return c.renderHouseholdForm(w, r, f, h, n+1)
}

// householdSave saves the edit form.
func (c *Console) householdSave(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	h, err := c.reg().Household(r.Context(), id)
	if err != nil {
		return err
	}
	rows := rowCount(f, 1)
	if f.Get("add_row") != "" {
		return c.renderHouseholdForm(w, r, f, h, rows)
	}
	edits, nums, ok := readMembers(f, rows, h.Members)
	if !ok {
		f.Status = http.StatusUnprocessableEntity
		return c.renderHouseholdForm(w, r, f, h, rows)
	}
	e := registry.HouseholdEdit{Number: f.Get("number"), Address: f.Get("address"), Phone: f.Get("phone"), Members: edits}
	_, err = c.reg().EditHousehold(r.Context(), id, e)
	if f.Catch(memberErrors(err, nums)) {
		return c.renderHouseholdForm(w, r, f, h, rows)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存", En: "Saved"})
	return redirect(w, r, fmt.Sprintf("/households/%d", id))
}

// readMembers reads the member rows of the form; blank new rows are
// skipped. nums[i] is the form row of edit i, to map errors back. ok is
// false when a value could not even be read (dates), with the errors put
// on the form.
func readMembers(f *Form, rows int, current []registry.Person) (out []registry.MemberEdit, nums []int, ok bool) {
	ok = true
	for n := 1; n <= rows; n++ {
		get := func(k string) string { return f.Get(fmt.Sprintf("m%d_%s", n, k)) }
		pid := formID(get("person_id"))
		if pid == 0 && get("name") == "" && get("id_number") == "" {
			continue
		}
		e := registry.MemberEdit{PersonID: pid, Event: registry.EventKind(get("event"))}
		e.IDNumber, e.Name, e.Relation, e.Phone = get("id_number"), get("name"), get("relation"), get("phone")
		switch get("sex") {
		case "1":
			e.Sex = idcard.Male
		case "2":
			e.Sex = idcard.Female
		}
		for _, code := range f.Values[fmt.Sprintf("m%d_cat", n)] {
			if cat := registry.Category(code); cat.Valid() {
				e.Categories = append(e.Categories, cat)
			}
		}
		for _, k := range []string{"birth_date", "date"} {
			if s := get(k); s != "" {
				d, err := civil.Parse(s)
				if err != nil {
					name := fmt.Sprintf("m%d_%s", n, k)
					f.Errors[name] = fieldErr(name, "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
					ok = false
				}
				if k == "date" {
					e.Date = d
				} else {
					e.BirthDate = d
				}
			}
		}
		if pid != 0 && hasID(current, pid) {
			e.IDNumber, e.Sex, e.BirthDate = "", 0, civil.Date{}
		}
		out, nums = append(out, e), append(nums, n)
	}
	linkMothers(f, out, nums)
	return out, nums, ok
}

// linkMothers resolves "mN_mother" (the form row of the mother) to the
// mother's person id or, for a member registered on the same form, her ID
// number.
func linkMothers(f *Form, edits []registry.MemberEdit, nums []int) {
	for i, n := range nums {
		k := int(f.Int(fmt.Sprintf("m%d_mother", n)))
		for j, m := range nums {
			if m != k || j == i {
				continue
			}
			if edits[j].PersonID != 0 {
				edits[i].MotherID = edits[j].PersonID
			} else {
				edits[i].MotherIDNumber = edits[j].IDNumber
			}
		}
	}
}

func hasID(ms []registry.Person, id int64) bool {
	for _, m := range ms {
		if m.ID == id {
			return m.IDNumber != ""
		}
	}
	return false
}

// memberErrors renames "members[i].field" errors to the form's "mN_field".
func memberErrors(err error, nums []int) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	for k, fe := range e.Fields {
		var i int
		var field string
		if _, scanErr := fmt.Sscanf(fe.Field, "members[%d].", &i); scanErr != nil || i < 1 || i > len(nums) {
			continue
		}
		field = fe.Field[strings.Index(fe.Field, ".")+1:]
		e.Fields[k].Field = fmt.Sprintf("m%d_%s", nums[i-1], field)
	}
	return e
}

// active returns the active members, in order.
func active(ms []registry.Person) []registry.Person {
	var out []registry.Person
	for _, m := range ms {
		if m.Status == registry.Active {
			out = append(out, m)
		}
	}
	return out
}
