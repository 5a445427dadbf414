package api

import (
	"fmt"
	"net/http"

	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// memberIn is a member in household requests.
type memberIn struct {
	personIn
	PersonID int64      `json:"person_id"` // PATCH: 0 adds a member
	Event    string     `json:"event"`     // new member: registered, born, moved_in
	Date     civil.Date `json:"date"`
}

func (m memberIn) edit(i int) (registry.MemberEdit, error) {
	pin, err := m.input(fmt.Sprintf("members[%d].", i+1))
	return registry.MemberEdit{PersonID: m.PersonID, PersonInput: pin, Event: registry.EventKind(m.Event), Date: m.Date}, err
}

// householdIn is the body of POST and PATCH /households.
type householdIn struct {
	Number  string     `json:"number"`
	AreaID  int64      `json:"area_id"`
	Address string     `json:"address"`
	Phone   string     `json:"phone"`
	Date    civil.Date `json:"date"`
	Members []memberIn `json:"members"`
}

func (a *API) householdList(w http.ResponseWriter, r *http.Request) error {
	in, err := queryIn(r)
	if err != nil {
		return err
	}
	res, err := a.reg().SearchHouseholds(r.Context(), in.query())
	if err != nil {
		return err
	}
	out := listJSON[householdJSON]{Items: []householdJSON{}, Total: res.Total, Limit: res.Page.Limit, Offset: res.Page.Offset}
	for _, h := range res.Items {
		out.Items = append(out.Items, householdOut(h))
	}
	return ok(w, out)
}

func (a *API) householdCreate(w http.ResponseWriter, r *http.Request) error {
	var in householdIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	h := registry.HouseholdInput{Number: in.Number, AreaID: in.AreaID, Address: in.Address, Phone: in.Phone, Date: in.Date}
	for i, m := range in.Members {
		e, err := m.edit(i)
		if err != nil {
			return err
		}
		h.Members = append(h.Members, e.PersonInput)
	}
	out, err := a.reg().RegisterHousehold(r.Context(), h)
	if err != nil {
		return err
	}
	return created(w, householdOut(out))
}

func (a *API) householdGet(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	h, err := a.reg().Household(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, householdOut(h))
}

func (a *API) householdUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in householdIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	e := registry.HouseholdEdit{Number: in.Number, Address: in.Address, Phone: in.Phone}
	for i, m := range in.Members {
		me, err := m.edit(i)
		if err != nil {
			return err
		}
		e.Members = append(e.Members, me)
	}
	h, err := a.reg().EditHousehold(r.Context(), id, e)
	if err != nil {
		return err
	}
	return ok(w, householdOut(h))
}

func (a *API) householdAddMember(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in memberIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	m, err := in.edit(0)
	if err != nil {
		return err
	}
	p, err := a.reg().AddMember(r.Context(), id, m)
	if err != nil {
		return err
	}
	return created(w, personOut(p, true))
}

func (a *API) householdMove(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		AreaID int64 `json:"area_id"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	h, err := a.reg().MoveHousehold(r.Context(), id, in.AreaID)
	if err != nil {
		return err
	}
	return ok(w, householdOut(h))
}

// batchJSON is an imported other-scheme list.
type batchJSON struct {
	ID       int64      `json:"id"`
	Scheme   labelJSON  `json:"scheme"`
	ListDate civil.Date `json:"list_date"`
	Source   string     `json:"source"`
	Note     string     `json:"note"`
	Rows     int        `json:"rows"`
	Skipped  any        `json:"skipped,omitempty"`
}

func batchOut(b registry.OtherBatch) batchJSON {
	out := batchJSON{ID: b.ID, Scheme: label(string(b.Scheme), b.Scheme), ListDate: b.ListDate, Source: b.Source, Note: b.Note, Rows: b.RowCount}
	if len(b.Skipped) > 0 {
		out.Skipped = b.Skipped
	}
	return out
}

func (a *API) otherBatches(w http.ResponseWriter, r *http.Request) error {
	bs, err := a.reg().OtherBatches(r.Context())
	if err != nil {
		return err
	}
	out := []batchJSON{}
	for _, b := range bs {
		out = append(out, batchOut(b))
	}
	return ok(w, out)
}

// otherImport stores a list given as JSON entries.
func (a *API) otherImport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Scheme      string     `json:"scheme"`
		ListDate    civil.Date `json:"list_date"`
		Source      string     `json:"source"`
		Note        string     `json:"note"`
		SkipInvalid bool       `json:"skip_invalid"`
		Entries     []struct {
			IDNumber string `json:"id_number"`
			Name     string `json:"name"`
			Scheme   string `json:"scheme"`
		} `json:"entries"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	li := registry.OtherListInput{Scheme: registry.Scheme(in.Scheme), ListDate: in.ListDate, Source: in.Source, Note: in.Note, SkipInvalid: in.SkipInvalid}
	if sc, known := registry.ParseScheme(in.Scheme); known {
		li.Scheme = sc
	}
	for i, e := range in.Entries {
		oe := registry.OtherEntry{Row: i + 1, IDNumber: e.IDNumber, Name: e.Name, Scheme: registry.Scheme(e.Scheme)}
		if sc, known := registry.ParseScheme(e.Scheme); known {
			oe.Scheme = sc
		}
		li.Entries = append(li.Entries, oe)
	}
	b, err := a.reg().ImportOtherList(r.Context(), li)
	if err != nil {
		return err
	}
	return created(w, batchOut(b))
}

// doubleJSON is one row of the double-enrollment report (ID masked).
type doubleJSON struct {
	PersonID        int64      `json:"person_id"`
	HouseholdID     int64      `json:"household_id"`
	HouseholdNumber string     `json:"household_number"`
	IDNumberMasked  string     `json:"id_number_masked"`
	Name            string     `json:"name"`
	OtherName       string     `json:"other_name"`
	NameMismatch    bool       `json:"name_mismatch"`
	Scheme          labelJSON  `json:"scheme"`
	BatchID         int64      `json:"batch_id"`
	ListDate        civil.Date `json:"list_date"`
	Row             int        `json:"row"`
}

func (a *API) otherDoubles(w http.ResponseWriter, r *http.Request) error {
	q := registry.DoubleQuery{BatchID: int64(atoi(r.URL.Query().Get("batch"), 0)), OnlyMismatch: r.URL.Query().Get("mismatch") == "1", Page: page(r)}
	res, err := a.reg().DoubleEnrollments(r.Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		listJSON[doubleJSON]
		Mismatches int `json:"mismatches"`
	}{listJSON: listJSON[doubleJSON]{Items: []doubleJSON{}, Total: res.Total, Limit: res.Page.Limit, Offset: res.Page.Offset}, Mismatches: res.Mismatches}
	for _, d := range res.Items {
		out.Items = append(out.Items, doubleJSON{PersonID: d.PersonID, HouseholdID: d.HouseholdID, HouseholdNumber: d.HouseholdNumber,
			IDNumberMasked: idcard.Mask(d.IDNumber), Name: d.Name, OtherName: d.OtherName, NameMismatch: d.NameMismatch,
			Scheme: label(string(d.Scheme), d.Scheme), BatchID: d.BatchID, ListDate: d.ListDate, Row: d.Row})
	}
	return ok(w, out)
}
