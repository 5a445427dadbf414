package api

import (
	"net/http"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// Role sets of the registry endpoints.
var (
	regReaders = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance,
		access.Inspector, access.Director, access.Village, access.Auditor}
	regWriters = []access.Role{access.Admin, access.Enrollment}
	regReport  = []access.Role{access.Admin, access.Enrollment, access.Inspector, access.Director, access.Auditor}
)

// registryRoutes are the registry endpoints (docs/api.md, "Registry").
// ID numbers are never path or query values: search by ID is POST.
func (a *API) registryRoutes() []httpx.Route {
	ar := httpx.ScopeArea
	return []httpx.Route{
		{Method: "GET", Pattern: "/areas/root", Roles: regReaders, Scope: ar, Handler: a.areaRoot},
		{Method: "GET", Pattern: "/areas/{id}", Roles: regReaders, Scope: ar, Handler: a.areaGet},
		{Method: "GET", Pattern: "/areas/{id}/children", Roles: regReaders, Scope: ar, Handler: a.areaChildren},
		{Method: "POST", Pattern: "/areas", Roles: regWriters, Scope: ar, Handler: a.areaCreate},
		{Method: "PATCH", Pattern: "/areas/{id}", Roles: regWriters, Scope: ar, Handler: a.areaRename},
		{Method: "GET", Pattern: "/persons", Roles: regReaders, Scope: ar, Handler: a.personList},
		{Method: "POST", Pattern: "/persons/search", Roles: regReaders, Scope: ar, Handler: a.personSearch},
		{Method: "GET", Pattern: "/persons/{id}", Roles: regReaders, Scope: ar, Handler: a.personGet},
		{Method: "PATCH", Pattern: "/persons/{id}", Roles: regWriters, Scope: ar, Handler: a.personUpdate},
		{Method: "POST", Pattern: "/persons/{id}/events", Roles: regWriters, Scope: ar, Handler: a.personEvent},
		{Method: "POST", Pattern: "/persons/{id}/id-number", Roles: regWriters, Scope: ar, Handler: a.personAssignID},
		{Method: "POST", Pattern: "/persons/{id}/corrections", Roles: regWriters, Scope: ar, Handler: a.personCorrect},
		{Method: "POST", Pattern: "/persons/{id}/transfer", Roles: regWriters, Scope: ar, Handler: a.personTransfer},
		{Method: "GET", Pattern: "/households", Roles: regReaders, Scope: ar, Handler: a.householdList},
		{Method: "POST", Pattern: "/households", Roles: regWriters, Scope: ar, Handler: a.householdCreate},
		{Method: "GET", Pattern: "/households/{id}", Roles: regReaders, Scope: ar, Handler: a.householdGet},
		{Method: "PATCH", Pattern: "/households/{id}", Roles: regWriters, Scope: ar, Handler: a.householdUpdate},
		{Method: "POST", Pattern: "/households/{id}/members", Roles: regWriters, Scope: ar, Handler: a.householdAddMember},
		{Method: "POST", Pattern: "/households/{id}/move", Roles: regWriters, Scope: ar, Handler: a.householdMove},
		{Method: "GET", Pattern: "/other-schemes", Roles: regReport, Scope: ar, Handler: a.otherBatches},
		{Method: "POST", Pattern: "/other-schemes", Roles: []access.Role{access.Admin}, Scope: httpx.ScopeCounty, Handler: a.otherImport, MaxBody: 64 << 20},
		{Method: "GET", Pattern: "/other-schemes/double-enrollments", Roles: regReport, Scope: ar, Handler: a.otherDoubles},
	}
}

// reg returns the registry service.
func (a *API) reg() *registry.Service { return registry.New(a.db, registry.Options{}) }

// areaJSON is an area in answers.
type areaJSON struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id,omitempty"`
	Level    string `json:"level"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Path     string `json:"path"`
}

func areaOut(x registry.Area) areaJSON {
	return areaJSON{ID: x.ID, ParentID: x.ParentID, Level: string(x.Level), Code: x.Code, Name: x.Name, Path: x.Path}
}

// labelJSON is a coded value with its names.
type labelJSON struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

func label(code string, v interface{ Label() (string, string) }) labelJSON {
	zh, en := v.Label()
	return labelJSON{Code: code, Zh: zh, En: en}
}

// personJSON is a person in answers. id_number is the full number (the
// caller is allowed to see the person); lists carry only the masked one.
type personJSON struct {
	ID              int64       `json:"id"`
	HouseholdID     int64       `json:"household_id"`
	HouseholdNumber string      `json:"household_number"`
	IDNumber        string      `json:"id_number,omitempty"`
	IDNumberMasked  string      `json:"id_number_masked"`
	Name            string      `json:"name"`
	Sex             string      `json:"sex"` // "1" male, "2" female (GB/T 2261)
	BirthDate       civil.Date  `json:"birth_date"`
	Phone           string      `json:"phone"`
	Relation        string      `json:"relation"`
	Categories      []labelJSON `json:"categories"`
	Status          labelJSON   `json:"status"`
	StatusDate      civil.Date  `json:"status_date,omitzero"`
	MotherID        int64       `json:"mother_id,omitempty"`
}

func personOut(p registry.Person, full bool) personJSON {
	out := personJSON{ID: p.ID, HouseholdID: p.HouseholdID, HouseholdNumber: p.HouseholdNumber, IDNumberMasked: p.MaskedID(),
		Name: p.Name, Sex: sexCode(p.Sex), BirthDate: p.BirthDate, Phone: p.Phone, Relation: p.Relation,
		Categories: []labelJSON{}, Status: label(string(p.Status), p.Status), StatusDate: p.StatusDate, MotherID: p.MotherID}
	if full {
		out.IDNumber = p.IDNumber
	}
	for _, c := range p.Categories {
		out.Categories = append(out.Categories, label(string(c), c))
	}
	return out
}

func sexCode(s idcard.Sex) string {
	if s == idcard.Male {
		return "1"
	}
	return "2"
}

// personIn is a person in requests. Sex and birth date may be omitted
// when there is an ID number. Categories are codes or Chinese names.
type personIn struct {
	IDNumber       string     `json:"id_number"`
	Name           string     `json:"name"`
	Sex            string     `json:"sex"`
	BirthDate      civil.Date `json:"birth_date"`
	Phone          string     `json:"phone"`
	Relation       string     `json:"relation"`
	Categories     []string   `json:"categories"`
	MotherID       int64      `json:"mother_id"`
	MotherIDNumber string     `json:"mother_id_number"`
}

// input converts to the registry's input; field is the prefix of error
// field names ("members[2]." for a member).
func (p personIn) input(field string) (registry.PersonInput, error) {
	in := registry.PersonInput{IDNumber: p.IDNumber, Name: p.Name, BirthDate: p.BirthDate, Phone: p.Phone,
		Relation: p.Relation, MotherID: p.MotherID, MotherIDNumber: p.MotherIDNumber}
	switch strings.ToLower(strings.TrimSpace(p.Sex)) {
	case "":
	case "1", "男", "male", "m":
		in.Sex = idcard.Male
	case "2", "女", "female", "f":
		in.Sex = idcard.Female
	default:
		return in, apperr.Field(field+"sex", "bad_sex", "性别应为 1（男）或 2（女）", "sex must be 1 (male) or 2 (female)")
	}
	cats, err := registry.ParseCategories(strings.Join(p.Categories, ","))
	if err != nil {
		e, _ := apperr.As(err)
		e.Fields[0].Field = field + "categories"
		return in, e
	}
	in.Categories = cats
	return in, nil
}

// householdJSON is a household in answers.
type householdJSON struct {
	ID           int64        `json:"id"`
	Number       string       `json:"number"`
	AreaID       int64        `json:"area_id"`
	AreaNames    string       `json:"area_names,omitempty"`
	Address      string       `json:"address"`
	Phone        string       `json:"phone"`
	HeadPersonID int64        `json:"head_person_id,omitempty"`
	HeadName     string       `json:"head_name"`
	ActiveCount  int          `json:"active_count"`
	Members      []personJSON `json:"members,omitempty"`
}

func householdOut(h registry.Household) householdJSON {
	out := householdJSON{ID: h.ID, Number: h.Number, AreaID: h.AreaID, AreaNames: h.AreaNames(), Address: h.Address,
		Phone: h.Phone, HeadPersonID: h.HeadPersonID, HeadName: h.HeadName, ActiveCount: h.ActiveCount}
	for _, m := range h.Members {
		out.Members = append(out.Members, personOut(m, true))
	}
	return out
}

// page reads ?limit and ?offset.
func page(r *http.Request) registry.Page {
	q := r.URL.Query()
	return registry.Page{Limit: atoi(q.Get("limit"), 20), Offset: atoi(q.Get("offset"), 0)}
}

// listJSON is a page of a list.
type listJSON[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}
