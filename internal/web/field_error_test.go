package web

import (
	"net/http"
	"strings"
	"testing"

	"ncms/internal/db/dbtest"
)

// A form field is marked in error only when it has an error: pages used
// {{with index .Form.Errors "x"}}, which is always true (a missing key gives
// a zero struct), so every page showed an empty error under the field.
func TestFieldErrorOnlyWhenPresent(t *testing.T) {
	a := newTestApp(t, dbtest.SQLite(t))
	admin := a.client(t).login("admin", testAdminPW)
	for _, path := range []string{"/other-schemes", "/areas"} {
		r := admin.get(path)
		wantPage(t, r, http.StatusOK)
		if strings.Contains(r.Body, "has-error") || strings.Contains(r.Body, `<div class="error" role="alert"></div>`) ||
			strings.Contains(r.Body, `<details class="action" open>`) {
			t.Errorf("%s shows an error without one: %.3000s", path, r.Body)
		}
	}
	p := &Page{Lang: "en", Form: emptyForm()}
	if got := p.FieldError("file"); got != "" {
		t.Fatalf("no error: %q", got)
	}
}
