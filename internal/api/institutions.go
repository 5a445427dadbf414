package api

import (
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// readers are the roles that may look institutions and the catalogue up.
var readers = []access.Role{access.Admin, access.Enrollment, access.Reviewer, access.Finance, access.Inspector,
	access.Director, access.Institution, access.Village, access.Insurer, access.Auditor}

// institutionRoutes: designated institutions and their HIS credentials.
func (a *API) institutionRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/institutions", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.listInstitutions},
		{Method: "POST", Pattern: "/institutions", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.createInstitution},
		{Method: "GET", Pattern: "/institutions/{id}", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.getInstitution},
		{Method: "PUT", Pattern: "/institutions/{id}", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.updateInstitution},
		{Method: "POST", Pattern: "/institutions/{id}/status", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.institutionStatus},
		{Method: "POST", Pattern: "/institutions/{id}/rotate", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.rotateInstitution},
	}
}

// institutions returns the service; withKey loads the installation key,
// which only creating and rotating credentials need.
func (a *API) institutions(withKey bool) (*institution.Service, error) {
	var opt institution.Options
	if withKey {
		k, err := institution.LoadKeyFor(a.db)
		if err != nil {
			return nil, err
		}
		opt.Key = k
	}
	return institution.New(a.db, opt), nil
}

type institutionList struct {
	Institutions []institution.Institution `json:"institutions"`
	Total        int                       `json:"total"`
}

func (a *API) listInstitutions(w http.ResponseWriter, r *http.Request) error {
	s, _ := a.institutions(false)
	q := r.URL.Query()
	list, total, err := s.List(r.Context(), institution.Filter{Query: q.Get("q"), Level: institution.Level(q.Get("level")),
		Status: institution.Status(q.Get("status")), Limit: atoi(q.Get("limit"), 50), Offset: atoi(q.Get("offset"), 0)})
	if err != nil {
		return err
	}
	if list == nil {
		list = []institution.Institution{}
	}
	return ok(w, institutionList{list, total})
}

// institutionBody is an institution with its status history.
type institutionBody struct {
	institution.Institution
	History []institution.StatusEvent `json:"status_history"`
}

func (a *API) getInstitution(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	s, _ := a.institutions(false)
	in, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	h, err := s.History(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, institutionBody{in, h})
}

// credentialsBody answers creation and rotation: the secret appears here once.
type credentialsBody struct {
	Institution institution.Institution `json:"institution"`
	Credentials institution.Credentials `json:"credentials"`
	Notice      string                  `json:"notice"`
}

const secretNotice = "密钥仅显示这一次,请立即保存 / the secret is shown only this once: keep it now"

func (a *API) createInstitution(w http.ResponseWriter, r *http.Request) error {
	var in institution.Input
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	s, err := a.institutions(true)
	if err != nil {
		return err
	}
	inst, cred, err := s.Create(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, credentialsBody{inst, cred, secretNotice})
}

func (a *API) updateInstitution(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in institution.Input
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	s, _ := a.institutions(false)
	out, err := s.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return ok(w, out)
}

func (a *API) institutionStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var ch institution.StatusChange
	if err := httpx.ReadJSON(r, &ch); err != nil {
		return err
	}
	s, _ := a.institutions(false)
	out, err := s.SetStatus(r.Context(), id, ch)
	if err != nil {
		return err
	}
	return ok(w, out)
}

func (a *API) rotateInstitution(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Grace string `json:"grace"` // Go duration, e.g. "24h"; empty: default
	}
	if r.ContentLength != 0 {
		if err := httpx.ReadJSON(r, &in); err != nil {
			return err
		}
	}
	var grace time.Duration
	if in.Grace != "" {
		var perr error
		if grace, perr = time.ParseDuration(in.Grace); perr != nil || grace < 0 || grace > 30*24*time.Hour {
			return apperr.Field("grace", "grace", "宽限期格式如 24h,最长30天", "grace must be a duration such as 24h, at most 30 days")
		}
	}
	s, err := a.institutions(true)
	if err != nil {
		return err
	}
	inst, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	cred, err := s.Rotate(r.Context(), id, grace)
	if err != nil {
		return err
	}
	return ok(w, credentialsBody{inst, cred, secretNotice})
}
