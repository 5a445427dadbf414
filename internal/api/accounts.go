package api

import (
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/auth"
	"ncms/internal/httpx"
)

// accountRoutes: the caller, users (admin), API tokens, password.
func (a *API) accountRoutes() []httpx.Route {
	all := httpx.AnyRole
	return []httpx.Route{
		{Method: "GET", Pattern: "/me", Roles: all, Scope: httpx.ScopeOwn, AllowMustChange: true, Handler: a.me},
		{Method: "POST", Pattern: "/me/password", Roles: all, Scope: httpx.ScopeOwn, AllowMustChange: true, Handler: a.changePassword},
		{Method: "GET", Pattern: "/users", Roles: adminAuditor, Scope: httpx.ScopeArea, Handler: a.listUsers},
		{Method: "POST", Pattern: "/users", Roles: adminOnly, Scope: httpx.ScopeArea, Handler: a.createUser},
		{Method: "GET", Pattern: "/users/{id}", Roles: adminAuditor, Scope: httpx.ScopeArea, Handler: a.getUser},
		{Method: "PATCH", Pattern: "/users/{id}", Roles: adminOnly, Scope: httpx.ScopeArea, Handler: a.updateUser},
		{Method: "POST", Pattern: "/users/{id}/disable", Roles: adminOnly, Scope: httpx.ScopeArea, Handler: a.setDisabled(true)},
		{Method: "POST", Pattern: "/users/{id}/enable", Roles: adminOnly, Scope: httpx.ScopeArea, Handler: a.setDisabled(false)},
		{Method: "POST", Pattern: "/users/{id}/reset-password", Roles: adminOnly, Scope: httpx.ScopeArea, Handler: a.resetPassword},
		{Method: "GET", Pattern: "/users/{id}/tokens", Roles: adminAuditor, Scope: httpx.ScopeArea, Handler: a.userTokens},
		{Method: "GET", Pattern: "/tokens", Roles: all, Scope: httpx.ScopeOwn, Handler: a.myTokens},
		{Method: "POST", Pattern: "/tokens", Roles: all, Scope: httpx.ScopeOwn, Handler: a.createToken},
		{Method: "DELETE", Pattern: "/tokens/{id}", Roles: all, Scope: httpx.ScopeOwn, Handler: a.revokeToken},
	}
}

// meBody is the answer of GET /me.
type meBody struct {
	UserID             int64       `json:"user_id"`
	Username           string      `json:"username"`
	DisplayName        string      `json:"display_name"`
	Role               access.Role `json:"role"`
	RoleZh             string      `json:"role_zh"`
	AreaID             int64       `json:"area_id,omitempty"`
	AreaName           string      `json:"area_name,omitempty"`
	InstitutionID      int64       `json:"institution_id,omitempty"`
	MustChangePassword bool        `json:"must_change_password"`
	Via                string      `json:"via"` // "session" or "token"
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpx.Principal(r)
	zh, _ := p.Actor.Role.Label()
	via := "session"
	if p.TokenID != 0 {
		via = "token"
	}
	return ok(w, meBody{UserID: p.Actor.UserID, Username: p.Actor.Username, DisplayName: p.DisplayName,
		Role: p.Actor.Role, RoleZh: zh, AreaID: p.Actor.Scope.AreaID, AreaName: p.ScopeName,
		InstitutionID: p.Actor.Scope.InstitutionID, MustChangePassword: p.MustChangePassword, Via: via})
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OldPassword string `json:"old_password"`
		NewPassword string `json:"new_password"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	p, _ := httpx.Principal(r)
	if err := a.auth.ChangePassword(r.Context(), in.OldPassword, in.NewPassword, p.SessionID); err != nil {
		return err
	}
	return ok(w, map[string]bool{"changed": true})
}

// userList is the answer of GET /users.
type userList struct {
	Users  []auth.User `json:"users"`
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auth.UserFilter{Query: q.Get("q"), Role: access.Role(q.Get("role")), Limit: atoi(q.Get("limit"), 50), Offset: atoi(q.Get("offset"), 0)}
	users, total, err := a.auth.Users(r.Context(), f)
	if err != nil {
		return err
	}
	if users == nil {
		users = []auth.User{}
	}
	return ok(w, userList{Users: users, Total: total, Limit: f.Limit, Offset: f.Offset})
}

// createdUser answers POST /users: the user and, once, its password.
type createdUser struct {
	User     auth.User `json:"user"`
	Password string    `json:"password"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	u, pw, err := a.auth.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	if in.Password != "" {
		pw = "" // the caller chose it; do not echo it
	}
	return created(w, createdUser{User: u, Password: pw})
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.auth.User(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, u)
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in auth.UserInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	if in.Password != "" {
		return apperr.Field("password", "not_here", "请用重置密码功能", "use reset-password to set a password")
	}
	u, err := a.auth.UpdateUser(r.Context(), id, in)
	if err != nil {
		return err
	}
	return ok(w, u)
}

func (a *API) setDisabled(disabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		if err := a.auth.SetDisabled(r.Context(), id, disabled); err != nil {
			return err
		}
		u, err := a.auth.User(r.Context(), id)
		if err != nil {
			return err
		}
		return ok(w, u)
	}
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	pw, err := a.auth.ResetPassword(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, map[string]string{"password": pw})
}

func (a *API) userTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	return a.tokensOf(w, r, id)
}

func (a *API) myTokens(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpx.Principal(r)
	return a.tokensOf(w, r, p.Actor.UserID)
}

func (a *API) tokensOf(w http.ResponseWriter, r *http.Request, userID int64) error {
	ts, err := a.auth.Tokens(r.Context(), userID)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []auth.Token{}
	}
	return ok(w, map[string]any{"tokens": ts})
}

// createdToken answers POST /tokens: the token and, once, its secret.
type createdToken struct {
	Token  auth.Token `json:"token"`
	Secret string     `json:"secret"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string     `json:"name"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	var exp time.Time
	if in.ExpiresAt != nil {
		exp = *in.ExpiresAt
	}
	t, secret, err := a.auth.CreateToken(r.Context(), in.Name, exp)
	if err != nil {
		return err
	}
	return created(w, createdToken{Token: t, Secret: secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.auth.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
