package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/httpx"
)

// View is what a handler hands to render.
type View struct {
	Status int   // HTTP status (default 200)
	Form   *Form // the form shown, with its values and errors (may be nil)
	Data   any   // the page's own data: .Data in the template
}

// Page is the data every template executes with ("." at the top level, "$"
// inside range/with). Besides the handler's Data it offers the translation
// methods T and Tr, the caller, the CSRF token, the flash message and the
// navigation.
type Page struct {
	Lang        string // "zh" or "en"
	Path        string
	Pattern     string
	Actor       access.Actor
	LoggedIn    bool
	DisplayName string
	County      string
	CSRF        string
	Flash       *Flash
	Nav         []NavLink
	Form        *Form
	Data        any
	work        func() *WorkWaiting // the home page's work-waiting panel (work_waiting.go), computed on demand
	banner      func() string       // Config.Banner
}

// NavLink is a navigation entry the caller may follow.
type NavLink struct {
	Href, Label string
	Active      bool
}

// EN reports whether the page is in English.
func (p *Page) EN() bool { return p.Lang == "en" }

// Tr picks the Chinese or the English text: {{$.Tr "户主" "Head"}}.
func (p *Page) Tr(zh, en string) string {
	if p.Lang == "en" {
		return en
	}
	return zh
}

// T looks a key up in the message catalogue: {{$.T "action.save"}}.
func (p *Page) T(key string) string { return translate(p.Lang, key) }

// RoleLabel names a role in the page's language.
func (p *Page) RoleLabel(r access.Role) string {
	zh, en := r.Label()
	return p.Tr(zh, en)
}

// funcs are the template functions shared by all pages.
var funcs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(china).Format("2006-01-02 15:04")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(china).Format("2006-01-02")
	},
	"add":  func(a, b int) int { return a + b },
	"dict": dict,
}

// china is the zone times are shown in (UTC+8, no daylight saving).
var china = time.FixedZone("CST", 8*3600)

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// mustParsePages parses each page template together with the layout and
// the partials (files starting with "_").
func mustParsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t := template.Must(base.Clone())
		pages[name] = template.Must(t.ParseFS(templateFS, n))
	}
	return pages
}

// render executes page name within the layout and writes it.
func (c *Console) render(w http.ResponseWriter, r *http.Request, name string, v View) error {
	t, ok := c.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	p := c.page(w, r)
	p.Form, p.Data = v.Form, v.Data
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if v.Status != 0 {
		w.WriteHeader(v.Status)
	}
	_, err := buf.WriteTo(w)
	return err
}

// page fills the common part of Page for r.
func (c *Console) page(w http.ResponseWriter, r *http.Request) *Page {
	p := &Page{Lang: lang(w, r, c.secure), Path: r.URL.Path, Pattern: r.Pattern, County: c.countyName(r), CSRF: httpx.CSRF(r)}
	if pr, ok := httpx.Principal(r); ok {
		p.Actor, p.LoggedIn, p.DisplayName = pr.Actor, true, pr.DisplayName
		if !pr.MustChangePassword {
			p.Nav = c.navFor(p, pr.Actor)
			p.work = func() *WorkWaiting { return c.workWaiting(r) }
		}
	}
	p.Flash = takeFlash(w, r)
	p.banner = c.banner
	return p
}

func (c *Console) navFor(p *Page, a access.Actor) []NavLink {
	var out []NavLink
	for _, n := range nav {
		if !c.router.Allows(a, http.MethodGet, n.Pattern) {
			continue
		}
		href := strings.TrimSuffix(n.Pattern, "{$}")
		active := p.Pattern == "GET "+n.Pattern || (href != "/" && strings.HasPrefix(p.Path, href))
		out = append(out, NavLink{Href: href, Label: p.Tr(n.Zh, n.En), Active: active})
	}
	return out
}

// countyName returns the county's name from the meta table (cached once found).
func (c *Console) countyName(r *http.Request) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.county == "" && c.db != nil {
		var name string
		if err := c.db.QueryRowContext(r.Context(), `SELECT value FROM meta WHERE key = 'county_name'`).Scan(&name); err == nil {
			c.county = name
		}
	}
	return c.county
}

// lang returns the page language: ?lang= (remembered in a cookie), the
// "lang" cookie, or Chinese.
func lang(w http.ResponseWriter, r *http.Request, secure bool) string {
	if q := r.URL.Query().Get("lang"); q == "en" || q == "zh" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: secure, SameSite: http.SameSiteLaxMode})
		return q
	}
	if ck, err := r.Cookie("lang"); err == nil && ck.Value == "en" {
		return "en"
	}
	return "zh"
}

// Lang returns the language of r without touching cookies.
func Lang(r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q == "en" || q == "zh" {
		return q
	}
	if ck, err := r.Cookie("lang"); err == nil && ck.Value == "en" {
		return "en"
	}
	return "zh"
}

// Flash is a one-time message shown on the next page (after a redirect).
type Flash struct {
	Kind string `json:"k"` // "ok", "error" or "info"
	Zh   string `json:"z"`
	En   string `json:"e"`
}

const flashCookie = "ncms_flash"

// flash stores a message for the next page. Never put an ID number in it.
func (c *Console) flash(w http.ResponseWriter, f Flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode, MaxAge: 120})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	var f Flash
	if err != nil || json.Unmarshal(b, &f) != nil {
		return nil
	}
	return &f
}

// redirect answers a successful form post: 303 to target.
func redirect(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// principal returns the caller of an authenticated route.
func principal(r *http.Request) auth.Principal {
	p, _ := httpx.Principal(r)
	return p
}

// Can reports whether the caller has one of the roles: {{if $.Can "admin"}}.
func (p *Page) Can(roles ...string) bool {
	for _, r := range roles {
		if string(p.Actor.Role) == r {
			return true
		}
	}
	return false
}

// Banner is the text of the banner at the top of the page (Config.Banner):
// "" unless the server was given one, e.g. by `ncms demo` while it builds.
func (p *Page) Banner() string {
	if p.banner == nil {
		return ""
	}
	return p.banner()
}
