package web

import (
	"net/http"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/httpx"
)

// safeNext returns a local path to go to after login, or "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) error {
	if _, ok := httpx.Principal(r); ok {
		return redirect(w, r, "/")
	}
	f := emptyForm("next", safeNext(r.URL.Query().Get("next")))
	return c.render(w, r, "login.html", View{Form: f})
}

func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	tok, p, err := c.auth.Login(r.Context(), f.Get("username"), f.Values.Get("password"),
		httpx.RemoteAddr(r), r.UserAgent())
	if f.Catch(err) {
		return c.render(w, r, "login.html", View{Status: f.Status, Form: f})
	}
	if err != nil {
		return err
	}
	if old := httpx.SessionToken(r); old != "" {
		_ = c.auth.Logout(r.Context(), old)
	}
	httpx.SetSessionCookie(w, tok, c.secure)
	if p.MustChangePassword {
		c.flash(w, Flash{Kind: "info", Zh: "管理员已为您设置了临时密码，请先修改密码。",
			En: "An administrator set a temporary password: please change it first."})
		return redirect(w, r, "/password")
	}
	return redirect(w, r, safeNext(f.Get("next")))
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) error {
	if err := c.auth.Logout(r.Context(), httpx.SessionToken(r)); err != nil {
		return err
	}
	httpx.ClearSessionCookie(w, c.secure)
	c.flash(w, Flash{Kind: "ok", Zh: "您已安全退出。", En: "You have logged out."})
	return redirect(w, r, "/login")
}

func (c *Console) passwordPage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, "password.html", View{Form: emptyForm()})
}

func (c *Console) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	newPW := f.Values.Get("new_password")
	if newPW != f.Values.Get("confirm_password") {
		err = apperr.Field("confirm_password", "password_mismatch", "两次输入的新密码不一致", "the two new passwords differ")
	} else {
		err = c.auth.ChangePassword(r.Context(), f.Values.Get("old_password"), newPW, principal(r).SessionID)
	}
	if f.Catch(err) {
		return c.render(w, r, "password.html", View{Status: f.Status, Form: f})
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "密码已修改，其他设备上的登录已退出。", En: "Password changed; sessions elsewhere were ended."})
	return redirect(w, r, "/")
}

// homeData is what the home page shows.
type homeData struct {
	ScopeName string
	Links     []NavLink
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) error {
	if showsDashboard(principal(r).Actor) { // county staff: the dashboard (dashboard.go)
		return c.dashboardPage(w, r, principal(r).ScopeName)
	}
	d := homeData{ScopeName: principal(r).ScopeName}
	return c.render(w, r, "home.html", View{Data: d})
}
