package web

import (
	"net/http"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/httpx"
)

// userRoutes: users and scopes admin, API tokens.
func (c *Console) userRoutes() []httpx.Route {
	area := httpx.ScopeArea
	return []httpx.Route{
		{Method: "GET", Pattern: "/admin/users", Roles: adminAuditor, Scope: area, Handler: c.usersPage},
		{Method: "GET", Pattern: "/admin/users/new", Roles: adminOnly, Scope: area, Handler: c.userNew},
		{Method: "POST", Pattern: "/admin/users", Roles: adminOnly, Scope: area, Handler: c.userCreate},
		{Method: "GET", Pattern: "/admin/users/{id}", Roles: adminAuditor, Scope: area, Handler: c.userPage},
		{Method: "POST", Pattern: "/admin/users/{id}", Roles: adminOnly, Scope: area, Handler: c.userUpdate},
		{Method: "POST", Pattern: "/admin/users/{id}/disable", Roles: adminOnly, Scope: area, Handler: c.userDisable(true)},
		{Method: "POST", Pattern: "/admin/users/{id}/enable", Roles: adminOnly, Scope: area, Handler: c.userDisable(false)},
		{Method: "POST", Pattern: "/admin/users/{id}/reset-password", Roles: adminOnly, Scope: area, Handler: c.userReset},
		{Method: "GET", Pattern: "/tokens", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.tokensPage},
		{Method: "POST", Pattern: "/tokens", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.tokenCreate},
		{Method: "POST", Pattern: "/tokens/{id}/revoke", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.tokenRevoke},
	}
}

// usersData is the users list page.
type usersData struct {
	Table  *List[auth.User] // sorted and paged (?sort, ?dir, ?page)
	Capped bool             // the first userListMax (by username) only
	Max    int
	Roles  []Option
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auth.UserFilter{Query: q.Get("q"), Role: access.Role(q.Get("role")), Limit: userListMax}
	users, total, err := c.auth.Users(r.Context(), f)
	if err != nil {
		return err
	}
	lang := Lang(r)
	t := newList(r, "users", userColumns(lang), users, "username", 50)
	if wantsXLSX(r) {
		return t.Export(w, "users", (&Page{Lang: lang}).Tr("用户", "Users"))
	}
	form := emptyForm("q", q.Get("q"), "role", q.Get("role"))
	roles := append([]Option{{Value: "", Label: translate(lang, "label.all")}}, roleOptions(lang)...)
	return c.render(w, r, "users.html", View{Form: form, Data: usersData{Table: t, Capped: total > len(users), Max: userListMax, Roles: roles}})
}

func scopeLabel(p *Page, u auth.User) string {
	if u.InstitutionID != 0 {
		return p.Tr("医疗机构 #", "Institution #") + strconv.FormatInt(u.InstitutionID, 10)
	}
	return u.AreaName
}

func statusLabel(p *Page, u auth.User) string {
	if u.Disabled {
		return p.T("label.disabled")
	}
	return p.T("label.active")
}

// roleOptions lists the roles for a select field.
func roleOptions(lang string) []Option {
	p := &Page{Lang: lang}
	out := make([]Option, 0, len(access.Roles))
	for _, r := range access.Roles {
		out = append(out, Option{Value: string(r), Label: p.RoleLabel(r)})
	}
	return out
}

// userFormData is the data of the create and edit forms.
type userFormData struct {
	User   *auth.User // nil when creating
	Roles  []Option
	Areas  []Option
	Tokens []auth.Token
	Secret string // a password shown once
}

// formData loads the choices of the user form.
func (c *Console) formData(r *http.Request, u *auth.User) (userFormData, error) {
	lang := Lang(r)
	areas, err := c.auth.AreaChoices(r.Context())
	if err != nil {
		return userFormData{}, err
	}
	opts := []Option{{Value: "", Label: "—"}}
	for _, a := range areas {
		opts = append(opts, Option{Value: strconv.FormatInt(a.ID, 10), Label: strings.Repeat("　", a.Depth) + a.Name + " (" + a.Code + ")"})
	}
	d := userFormData{User: u, Roles: roleOptions(lang), Areas: opts}
	if u != nil {
		if d.Tokens, err = c.auth.Tokens(r.Context(), u.ID); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (c *Console) userNew(w http.ResponseWriter, r *http.Request) error {
	d, err := c.formData(r, nil)
	if err != nil {
		return err
	}
	return c.render(w, r, "user_form.html", View{Form: emptyForm("role", string(access.Enrollment)), Data: d})
}

func userInput(f *Form) auth.UserInput {
	return auth.UserInput{Username: f.Get("username"), DisplayName: f.Get("display_name"),
		Role: access.Role(f.Get("role")), AreaID: f.Int("area_id"), InstitutionID: f.Int("institution_id")}
}

func (c *Console) userCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	u, pw, err := c.auth.CreateUser(r.Context(), userInput(f))
	if f.Catch(err) {
		d, derr := c.formData(r, nil)
		if derr != nil {
			return derr
		}
		return c.render(w, r, "user_form.html", View{Status: f.Status, Form: f, Data: d})
	}
	if err != nil {
		return err
	}
	return c.showUser(w, r, u, pw, http.StatusCreated)
}

// showUser renders a user's page, with a just-generated password shown once.
func (c *Console) showUser(w http.ResponseWriter, r *http.Request, u auth.User, secret string, status int) error {
	d, err := c.formData(r, &u)
	if err != nil {
		return err
	}
	d.Secret = secret
	f := emptyForm("display_name", u.DisplayName, "role", string(u.Role),
		"area_id", idOrEmpty(u.AreaID), "institution_id", idOrEmpty(u.InstitutionID))
	return c.render(w, r, "user.html", View{Status: status, Form: f, Data: d})
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := c.auth.User(r.Context(), id)
	if err != nil {
		return err
	}
	return c.showUser(w, r, u, "", 0)
}

func (c *Console) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.auth.UpdateUser(r.Context(), id, userInput(f))
	if f.Catch(err) {
		u, uerr := c.auth.User(r.Context(), id)
		if uerr != nil {
			return uerr
		}
		d, derr := c.formData(r, &u)
		if derr != nil {
			return derr
		}
		return c.render(w, r, "user.html", View{Status: f.Status, Form: f, Data: d})
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存。", En: "Saved."})
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (c *Console) userDisable(disabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		if err := c.auth.SetDisabled(r.Context(), id, disabled); err != nil {
			return err
		}
		msg := Flash{Kind: "ok", Zh: "账户已启用。", En: "The account is enabled."}
		if disabled {
			msg = Flash{Kind: "ok", Zh: "账户已停用，其登录和令牌均已失效。", En: "The account is disabled; its sessions and tokens no longer work."}
		}
		c.flash(w, msg)
		return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

func (c *Console) userReset(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	pw, err := c.auth.ResetPassword(r.Context(), id)
	if err != nil {
		return err
	}
	u, err := c.auth.User(r.Context(), id)
	if err != nil {
		return err
	}
	return c.showUser(w, r, u, pw, 0)
}

// idOrEmpty formats an optional id for a form field.
func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
