package httpx

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/auth"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "ncms_session"

// DefaultMaxBody is the request body limit of a route that sets none.
const DefaultMaxBody = 1 << 20

// CSRFField is the form field (and CSRFHeader the header) carrying the CSRF token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

var (
	errForbidden  = apperr.New(apperr.Forbidden, "forbidden", "无权访问此功能", "you are not allowed to do this")
	errScope      = apperr.New(apperr.Forbidden, "scope", "您的管辖范围不能使用此功能", "your scope does not allow this")
	errCSRF       = apperr.New(apperr.Forbidden, "csrf", "页面已过期，请刷新后重试", "the form has expired: reload the page and try again")
	errMustChange = apperr.New(apperr.Forbidden, "password_change_required",
		"请先修改密码", "you must change your password first")
)

// info is what the router learned about a request, kept in its context.
type info struct {
	principal auth.Principal
	authed    bool
	session   string // raw session token when authenticated by cookie
	csrf      string // the CSRF token forms must carry
	// preCSRF sets (on first use) the anonymous visitor's double-submit
	// token, so that only pages with forms set its cookie.
	preCSRF func() string
}

type infoKey struct{}

func infoOf(r *http.Request) *info {
	if i, ok := r.Context().Value(infoKey{}).(*info); ok {
		return i
	}
	return &info{}
}

// Principal returns the authenticated caller of r (ok false on public routes
// without a session).
func Principal(r *http.Request) (auth.Principal, bool) {
	i := infoOf(r)
	return i.principal, i.authed
}

// CSRF returns the token that forms on this page must carry in CSRFField.
// Call it before writing the response: for an anonymous visitor it may set
// the token's cookie.
func CSRF(r *http.Request) string {
	i := infoOf(r)
	if i.csrf == "" && i.preCSRF != nil {
		i.csrf = i.preCSRF()
	}
	return i.csrf
}

// SessionToken returns the raw session token of r's cookie ("" if none), for logout.
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// RemoteAddr returns the caller's IP address (without the port).
func RemoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// unsafe reports whether the method may change state.
func unsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// wrap returns the handler of one route: limits, authentication, role,
// scope, forced password change and CSRF checks, then the handler.
func (rt *Router) wrap(route Route) http.Handler {
	limit := route.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		in := &info{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, in))
		if err := rt.guard(w, r, route, in); err != nil {
			rt.refuse(w, r, err)
			return
		}
		if in.authed {
			r = r.WithContext(access.WithActor(r.Context(), in.principal.Actor))
			setUser(r, in.principal.Actor.Username)
			w.Header().Set("Cache-Control", "no-store")
		}
		if err := route.Handler(w, r); err != nil {
			rt.Fail(w, r, err)
		}
	})
}

// guard authenticates r and applies the route's rules, filling in.
func (rt *Router) guard(w http.ResponseWriter, r *http.Request, route Route, in *info) error {
	tok, bearer := rt.credential(r)
	if tok != "" {
		p, err := rt.cfg.Auth.Resolve(r.Context(), tok)
		switch {
		case err == nil:
			p.Actor.RemoteAddr = RemoteAddr(r)
			in.principal, in.authed = p, true
			if !bearer {
				in.session, in.csrf = tok, auth.CSRFToken(tok)
			}
		case route.Public:
			// A stale cookie on a public page is ignored.
		default:
			return err
		}
	}
	if route.Public {
		if !in.authed && rt.cfg.Mode == Console {
			in.preCSRF = func() string { return preSessionCSRF(w, r, rt.cfg.SecureCookies) }
		}
		if unsafe(r.Method) && rt.cfg.Mode == Console && !route.NoCSRF {
			want := in.csrf
			if !in.authed {
				want = preCookie(r)
			}
			return checkCSRF(r, want)
		}
		return nil
	}
	if !in.authed {
		return auth.ErrNotAuthenticated
	}
	a := in.principal.Actor
	if !a.Can(route.Roles...) {
		return errForbidden
	}
	if !route.Scope.Allows(a.Scope) {
		return errScope
	}
	if in.principal.MustChangePassword && !route.AllowMustChange {
		return errMustChange
	}
	if unsafe(r.Method) && !bearer && !route.NoCSRF {
		return checkCSRF(r, in.csrf)
	}
	return nil
}

// credential returns the token of r: for the API a Bearer token first;
// then the session cookie. bearer reports which. A router without an auth
// service has no credentials to read.
func (rt *Router) credential(r *http.Request) (tok string, bearer bool) {
	if rt.cfg.Auth == nil {
		// A router without accounts (the HIS interface, which checks
		// its own signatures) serves only public routes: a stray session
		// cookie or Bearer header is not a credential there.
		return "", false
	}
	if rt.cfg.Mode == API {
		if h := r.Header.Get("Authorization"); h != "" {
			if t, ok := strings.CutPrefix(h, "Bearer "); ok {
				return strings.TrimSpace(t), true
			}
		}
	}
	return SessionToken(r), false
}

// checkCSRF compares the token of an unsafe request (header or form field)
// with the expected one, and refuses a foreign Origin.
func checkCSRF(r *http.Request, want string) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errCSRF
		}
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// preCSRFCookie carries the double-submit token of pages shown before login.
const preCSRFCookie = "ncms_csrf"

// preSessionCSRF returns the anonymous visitor's CSRF token, setting its
// cookie on first sight.
func preSessionCSRF(w http.ResponseWriter, r *http.Request, secure bool) string {
	if v := preCookie(r); v != "" {
		return v
	}
	tok := auth.CSRFToken(RequestID(r) + RemoteAddr(r) + randomHex(16))
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
	return tok
}

// preCookie returns the anonymous visitor's CSRF cookie, or "".
func preCookie(r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	return ""
}

// refuse answers a request stopped before its handler. Anonymous console
// GETs are sent to the login page.
func (rt *Router) refuse(w http.ResponseWriter, r *http.Request, err error) {
	e, _ := apperr.As(err)
	if rt.cfg.Mode == Console && r.Method == http.MethodGet && e != nil {
		switch {
		case e.Kind == apperr.Unauthenticated:
			if SessionToken(r) != "" {
				ClearSessionCookie(w, rt.cfg.SecureCookies)
			}
			http.Redirect(w, r, rt.cfg.LoginPath+"?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		case errors.Is(err, errMustChange) && rt.cfg.PasswordPath != "":
			http.Redirect(w, r, rt.cfg.PasswordPath, http.StatusSeeOther)
			return
		}
	}
	rt.Fail(w, r, err)
}

// SetSessionCookie puts a new session token in the console cookie. The
// cookie lives as long as the browser; the server enforces the expiry.
func SetSessionCookie(w http.ResponseWriter, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}
