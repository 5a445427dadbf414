package web

import (
	"net/http"
	"net/url"

	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// searchView is the data of the person search page.
type searchView struct {
	Query      registry.Query
	Results    registry.PersonResults
	Searched   bool
	Pager      *Pager
	Order      SQLOrder // the header; the service sorts (?sort=) and pages
	Categories []registry.Category
	Statuses   []registry.Status
}

// personSearch shows the search form and, for ?q= (names, household
// numbers), the results. ID numbers are searched by POST only.
func (c *Console) personSearch(w http.ResponseWriter, r *http.Request) error {
	f := emptyForm()
	qv := r.URL.Query()
	for _, k := range []string{"q", "status", "category"} {
		f.Values.Set(k, qv.Get(k))
	}
	if registry.LooksLikeIDNumber(qv.Get("q")) {
		f.Values.Set("q", "")
		f.Errors["q"] = fieldErr("q", "id_in_url", "身份证号请在查询框中输入后点“查询”", "type ID numbers into the search box")
		return c.renderSearch(w, r, f, nil)
	}
	if qv.Get("q") == "" && qv.Get("status") == "" && qv.Get("category") == "" && r.URL.Query().Get("all") == "" {
		return c.renderSearch(w, r, f, nil)
	}
	return c.renderSearch(w, r, f, newPager(r, 20))
}

// personSearchPost searches from the form: an ID number is answered on
// the spot (never put in a URL); other searches redirect to GET.
func (c *Console) personSearchPost(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	if registry.LooksLikeIDNumber(f.Get("q")) {
		return c.renderSearch(w, r, f, &Pager{Page: 1, PerPage: 20, lang: Lang(r)})
	}
	q := url.Values{}
	for _, k := range []string{"q", "status", "category"} {
		if v := f.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		q.Set("all", "1")
	}
	return redirect(w, r, "/persons?"+q.Encode())
}

func (c *Console) renderSearch(w http.ResponseWriter, r *http.Request, f *Form, pg *Pager) error {
	v := searchView{Categories: registry.AllCategories, Statuses: []registry.Status{registry.Active, registry.MovedOut, registry.Deceased}}
	cols := personColumns(Lang(r))
	v.Order = newSQLOrder(r, sqlHeads(cols, personSortable...), "name")
	if pg != nil {
		v.Query = registry.Query{Q: f.Get("q"), Status: registry.Status(f.Get("status")), Category: registry.Category(f.Get("category")),
			Page: registry.Page{Limit: pg.Limit(), Offset: pg.Offset()}, Order: v.Order.Key, Desc: v.Order.Desc}
		if wantsXLSX(r) {
			return c.exportPersons(w, r, v.Query, cols)
		}
		res, err := c.reg().SearchPersons(r.Context(), v.Query)
		if f.Catch(err) {
			return c.render(w, r, "registry_search.html", View{Status: f.Status, Form: f, Data: v})
		}
		if err != nil {
			return err
		}
		pg.Total, v.Results, v.Searched, v.Pager = res.Total, res, true, pg
	}
	return c.render(w, r, "registry_search.html", View{Form: f, Data: v})
}

// exportPersons sends every row of a search as Excel, in the page's order,
// ID numbers masked as the page shows them.
func (c *Console) exportPersons(w http.ResponseWriter, r *http.Request, q registry.Query, cols []Column[registry.Person]) error {
	var all []registry.Person
	for q.Offset = 0; ; q.Offset += 200 {
		q.Limit = 200
		res, err := c.reg().SearchPersons(r.Context(), q)
		if err != nil {
			return err
		}
		all = append(all, res.Items...)
		if q.Offset+200 >= res.Total || len(res.Items) == 0 {
			break
		}
	}
	return exportRows(w, r, cols, all, "persons", "人员")
}

// personView is the data of the person page.
type personView struct {
	Person    registry.Person
	Household registry.Household
	Events    []registry.Event
	Children  []registry.Person
	Mother    *registry.Person
	CanWrite  bool
	Open      string // the action form to show open after an error
	Kinds     []registry.EventKind
	Statuses  []registry.Status
}

// personPage shows a person with events, household, mother and children.
func (c *Console) personPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderPerson(w, r, emptyForm(), "")
}

func (c *Console) renderPerson(w http.ResponseWriter, r *http.Request, f *Form, open string) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, s := r.Context(), c.reg()
	p, err := s.Person(ctx, id)
	if err != nil {
		return err
	}
	v := personView{Person: p, CanWrite: canWriteRegister(r), Open: open,
		Statuses: []registry.Status{registry.Active, registry.MovedOut, registry.Deceased}}
	if v.Household, err = s.Household(ctx, p.HouseholdID); err != nil {
		return err
	}
	if v.Events, err = s.Events(ctx, id); err != nil {
		return err
	}
	if v.Children, err = s.ChildrenOfMother(ctx, id); err != nil {
		return err
	}
	if p.MotherID != 0 {
		if m, err := s.Person(ctx, p.MotherID); err == nil {
			v.Mother = &m
		}
	}
	switch p.Status {
	case registry.Active:
		v.Kinds = []registry.EventKind{registry.EvMovedOut, registry.EvDeceased}
	case registry.MovedOut:
		v.Kinds = []registry.EventKind{registry.EvMovedIn}
	}
	return c.render(w, r, "registry_person.html", View{Status: f.Status, Form: f, Data: v})
}

// personStatus records moved out / deceased / moved in.
func (c *Console) personStatus(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	date, derr := civil.Parse(f.Get("date"))
	ch := registry.StatusChange{Kind: registry.EventKind(f.Get("kind")), Date: date, Note: f.Get("note"), NewHeadID: f.Int("new_head_id")}
	if derr != nil && f.Get("date") != "" {
		f.Errors["date"] = fieldErr("date", "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
		f.Status = http.StatusUnprocessableEntity
		return c.renderPerson(w, r, f, "status")
	}
	_, err = c.reg().ChangeStatus(r.Context(), id, ch)
	if f.Catch(err) {
		return c.renderPerson(w, r, f, "status")
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已记录：" + ch.Kind.Zh(), En: "Recorded: " + string(ch.Kind)})
	return redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/status")])
}

// personAssignID records the ID number of a child registered without one.
func (c *Console) personAssignID(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	_, err = c.reg().AssignIDNumber(r.Context(), id, f.Get("id_number"))
	if f.Catch(err) {
		return c.renderPerson(w, r, f, "assign")
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已补登身份证号", En: "ID number recorded"})
	return redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/id-number")])
}

// personCorrect applies a correction (fields prefixed c_ on the page).
func (c *Console) personCorrect(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	corr := registry.Correction{IDNumber: f.Get("c_id_number"), Name: f.Get("c_name"), Status: registry.Status(f.Get("c_status")), Reason: f.Get("c_reason")}
	switch f.Get("c_sex") {
	case "1":
		corr.Sex = idcard.Male
	case "2":
		corr.Sex = idcard.Female
	}
	if s := f.Get("c_birth_date"); s != "" {
		if corr.BirthDate, err = civil.Parse(s); err != nil {
			f.Errors["c_birth_date"] = fieldErr("c_birth_date", "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
			f.Status = http.StatusUnprocessableEntity
			return c.renderPerson(w, r, f, "correct")
		}
	}
	_, err = c.reg().Correct(r.Context(), id, corr)
	if f.Catch(prefixErrors(err, "c_")) {
		return c.renderPerson(w, r, f, "correct")
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已更正", En: "Corrected"})
	return redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/correct")])
}

// idAndForm reads the {id} path value and the posted form.
func idAndForm(r *http.Request) (int64, *Form, error) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	f, err := newForm(r)
	return id, f, err
}
