package web

import (
	"net/http"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/auth"
	"ncms/internal/httpx"
)

// tokensData is the API tokens page.
type tokensData struct {
	Tokens []auth.Token
	Secret string // a token just created, shown once
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return c.showTokens(w, r, emptyForm(), "", 0)
}

func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, f *Form, secret string, status int) error {
	ts, err := c.auth.Tokens(r.Context(), principal(r).Actor.UserID)
	if err != nil {
		return err
	}
	return c.render(w, r, "tokens.html", View{Status: status, Form: f, Data: tokensData{Tokens: ts, Secret: secret}})
}

func (c *Console) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var exp time.Time
	if s := f.Get("expires_at"); s != "" {
		d, perr := time.ParseInLocation("2006-01-02", s, china)
		if perr != nil {
			err = apperr.Field("expires_at", "date", "日期格式应为 YYYY-MM-DD", "use the date format YYYY-MM-DD")
		}
		exp = d.AddDate(0, 0, 1) // valid through the whole day
	}
	var secret string
	if err == nil {
		_, secret, err = c.auth.CreateToken(r.Context(), f.Get("name"), exp)
	}
	if f.Catch(err) {
		return c.showTokens(w, r, f, "", f.Status)
	}
	if err != nil {
		return err
	}
	return c.showTokens(w, r, emptyForm(), secret, http.StatusCreated)
}

func (c *Console) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := c.auth.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "令牌已吊销。", En: "The token is revoked."})
	return redirect(w, r, safeNext(r.PostFormValue("back")))
}
