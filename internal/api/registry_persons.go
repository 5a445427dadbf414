package api

import (
	"net/http"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/registry"
)

func (a *API) areaRoot(w http.ResponseWriter, r *http.Request) error {
	root, err := a.reg().Root(r.Context())
	if err != nil {
		return err
	}
	return ok(w, areaOut(root))
}

func (a *API) areaGet(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := a.reg().Area(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, areaOut(x))
}

func (a *API) areaChildren(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	kids, err := a.reg().Children(r.Context(), id)
	if err != nil {
		return err
	}
	out := []areaJSON{}
	for _, k := range kids {
		out = append(out, areaOut(k))
	}
	return ok(w, out)
}

func (a *API) areaCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ParentID int64  `json:"parent_id"`
		Name     string `json:"name"`
		Code     string `json:"code"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	x, err := a.reg().CreateArea(r.Context(), registry.AreaInput{ParentID: in.ParentID, Name: in.Name, Code: in.Code})
	if err != nil {
		return err
	}
	return created(w, areaOut(x))
}

func (a *API) areaRename(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	x, err := a.reg().RenameArea(r.Context(), id, in.Name)
	if err != nil {
		return err
	}
	return ok(w, areaOut(x))
}

// searchIn is the body of POST /persons/search (and the query of GET).
type searchIn struct {
	Q               string `json:"q"`
	IDNumber        string `json:"id_number"`
	Name            string `json:"name"`
	HouseholdNumber string `json:"household_number"`
	AreaID          int64  `json:"area_id"`
	Status          string `json:"status"`
	Category        string `json:"category"`
	Limit           int    `json:"limit"`
	Offset          int    `json:"offset"`
}

func (s searchIn) query() registry.Query {
	return registry.Query{Q: s.Q, IDNumber: s.IDNumber, Name: s.Name, HouseholdNumber: s.HouseholdNumber, AreaID: s.AreaID,
		Status: registry.Status(s.Status), Category: registry.Category(s.Category), Page: registry.Page{Limit: s.Limit, Offset: s.Offset}}
}

var errIDInURL = apperr.Field("q", "id_in_url", "身份证号不能放在网址中，请用 POST /api/v1/persons/search",
	"ID numbers never go in a URL: use POST /api/v1/persons/search")

// queryIn reads the search criteria of a GET (never an ID number).
func queryIn(r *http.Request) (searchIn, error) {
	q := r.URL.Query()
	p := page(r)
	in := searchIn{Q: q.Get("q"), Name: q.Get("name"), HouseholdNumber: q.Get("household_number"),
		AreaID: int64(atoi(q.Get("area_id"), 0)), Status: q.Get("status"), Category: q.Get("category"), Limit: p.Limit, Offset: p.Offset}
	if registry.LooksLikeIDNumber(in.Q) || q.Get("id_number") != "" {
		return in, errIDInURL
	}
	return in, nil
}

func (a *API) personList(w http.ResponseWriter, r *http.Request) error {
	in, err := queryIn(r)
	if err != nil {
		return err
	}
	return a.searchPersons(w, r, in)
}

func (a *API) personSearch(w http.ResponseWriter, r *http.Request) error {
	var in searchIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	return a.searchPersons(w, r, in)
}

func (a *API) searchPersons(w http.ResponseWriter, r *http.Request, in searchIn) error {
	res, err := a.reg().SearchPersons(r.Context(), in.query())
	if err != nil {
		return err
	}
	out := listJSON[personJSON]{Items: []personJSON{}, Total: res.Total, Limit: res.Page.Limit, Offset: res.Page.Offset}
	for _, p := range res.Items {
		out.Items = append(out.Items, personOut(p, false))
	}
	return ok(w, out)
}

// eventJSON is a person event in answers.
type eventJSON struct {
	ID          int64      `json:"id"`
	HouseholdID int64      `json:"household_id"`
	Kind        labelJSON  `json:"kind"`
	Date        civil.Date `json:"date"`
	Note        string     `json:"note"`
	Data        string     `json:"data,omitempty"`
	CreatedBy   string     `json:"created_by"`
}

func (a *API) personGet(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}

// answerPerson writes a person with its events.
func (a *API) answerPerson(w http.ResponseWriter, r *http.Request, id int64) error {
	p, err := a.reg().Person(r.Context(), id)
	if err != nil {
		return err
	}
	evs, err := a.reg().Events(r.Context(), id)
	if err != nil {
		return err
	}
	out := struct {
		personJSON
		Events []eventJSON `json:"events"`
	}{personJSON: personOut(p, true), Events: []eventJSON{}}
	for _, e := range evs {
		out.Events = append(out.Events, eventJSON{ID: e.ID, HouseholdID: e.HouseholdID, Kind: label(string(e.Kind), e.Kind),
			Date: e.Date, Note: e.Note, Data: e.Data, CreatedBy: e.CreatedBy})
	}
	return ok(w, out)
}

func (a *API) personUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in personIn
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	pin, err := in.input("")
	if err != nil {
		return err
	}
	if _, err := a.reg().UpdatePerson(r.Context(), id, pin); err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}

func (a *API) personEvent(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Kind      string     `json:"kind"`
		Date      civil.Date `json:"date"`
		Note      string     `json:"note"`
		NewHeadID int64      `json:"new_head_id"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	ch := registry.StatusChange{Kind: registry.EventKind(in.Kind), Date: in.Date, Note: in.Note, NewHeadID: in.NewHeadID}
	if _, err := a.reg().ChangeStatus(r.Context(), id, ch); err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}

func (a *API) personAssignID(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		IDNumber string `json:"id_number"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	if _, err := a.reg().AssignIDNumber(r.Context(), id, in.IDNumber); err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}

func (a *API) personCorrect(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		personIn
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	pin, err := in.input("")
	if err != nil {
		return err
	}
	c := registry.Correction{IDNumber: pin.IDNumber, Name: pin.Name, Sex: pin.Sex, BirthDate: pin.BirthDate,
		Status: registry.Status(in.Status), Reason: in.Reason}
	if _, err := a.reg().Correct(r.Context(), id, c); err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}

func (a *API) personTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ToHouseholdID int64      `json:"to_household_id"`
		Relation      string     `json:"relation"`
		Date          civil.Date `json:"date"`
		NewHeadID     int64      `json:"new_head_id"`
		Note          string     `json:"note"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	t := registry.Transfer{ToHouseholdID: in.ToHouseholdID, Relation: in.Relation, Date: in.Date, NewHeadID: in.NewHeadID, Note: in.Note}
	if _, err := a.reg().TransferPerson(r.Context(), id, t); err != nil {
		return err
	}
	return a.answerPerson(w, r, id)
}
