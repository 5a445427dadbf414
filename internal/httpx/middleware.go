package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// state is the per-request record the outer middleware shares with the
// router: the request id, and the user once authenticated (for the log).
type state struct {
	id   string
	user string
}

type stateKey struct{}

// RequestID returns the id of r (also sent as the X-Request-ID header).
func RequestID(r *http.Request) string {
	if s, ok := r.Context().Value(stateKey{}).(*state); ok {
		return s.id
	}
	return ""
}

func setUser(r *http.Request, user string) {
	if s, ok := r.Context().Value(stateKey{}).(*state); ok {
		s.user = user
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SecurityHeaders are set on every response: no framing, no sniffing, no
// referrer outside the site, scripts only from the site itself.
var SecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=()",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

// Wrap adds to the whole server: a request id, the security headers, panic
// recovery (500 without a stack trace to the client) and one log line per
// request with the route pattern rather than the path, and never the query
// string, so that no ID number reaches the log.
func Wrap(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &state{id: randomHex(8)}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		hdr := w.Header()
		for k, v := range SecurityHeaders {
			hdr.Set(k, v)
		}
		hdr.Set("X-Request-ID", st.id)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "req", st.id, "method", r.Method, "route", routeOf(r), "panic", p)
				if !rec.wrote {
					writePanic(rec, r)
				}
			}
			log.Info("http", "req", st.id, "method", r.Method, "route", routeOf(r), "status", rec.status(),
				"bytes", rec.n, "ms", time.Since(start).Milliseconds(), "user", st.user, "remote", RemoteAddr(r))
		}()
		h.ServeHTTP(rec, r)
	})
}

func writePanic(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		WriteError(w, r, http.StatusInternalServerError, Internal)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(Internal.Zh + "\n" + Internal.En + "\nrequest " + RequestID(r) + "\n"))
}

// longDigits matches runs that could be ID numbers (or parts of them).
var longDigits = regexp.MustCompile(`[0-9]{6,}[0-9Xx]*`)

// routeOf names r for the log: the matched route pattern, or the path with
// long digit runs masked.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return longDigits.ReplaceAllString(r.URL.Path, "***")
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	code  int
	n     int64
	wrote bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *recorder) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
