package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/httpx"
)

// TestSearchPersonFileAndWork checks the global search (scope, ID numbers
// only by POST and never echoed), the person file and the work-waiting
// panel on a small demo county.
func TestSearchPersonFileAndWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := newQualityRun(t, d)
		ctx := context.Background()
		login := func(user string) string {
			for _, l := range q.res.Logins {
				if l.Username == user {
					tok, _, err := q.auth.Login(ctx, l.Username, l.Password, "127.0.0.1", "test")
					if err != nil {
						t.Fatal(err)
					}
					return tok
				}
			}
			t.Fatalf("no demo login %s", user)
			return ""
		}
		do := func(tok, method, path string, form url.Values) (int, string) {
			t.Helper()
			var req *http.Request
			if method == "POST" {
				form.Set("csrf_token", auth.CSRFToken(tok))
				req, _ = http.NewRequest(method, q.srv.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", q.srv.URL)
			} else {
				req, _ = http.NewRequest(method, q.srv.URL+path, nil)
			}
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
			res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		clerk := login("clerk") // township 0
		var areaPath string
		if err := d.QueryRowContext(ctx, `SELECT a.path FROM users u JOIN areas a ON a.id = u.area_id WHERE u.username = 'clerk'`).Scan(&areaPath); err != nil {
			t.Fatal(err)
		}
		var inID, inName, outID string
		var inPerson int64
		if err := d.QueryRowContext(ctx, `SELECT p.id, p.id_number, p.name FROM persons p WHERE p.area_path LIKE ? AND p.id_number IS NOT NULL
			AND EXISTS (SELECT 1 FROM settlements s WHERE s.person_id = p.id) ORDER BY p.id LIMIT 1`, areaPath+"%").Scan(&inPerson, &inID, &inName); err != nil {
			t.Fatal(err)
		}
		// Scope: the village user (village 0) must not find people of other villages.
		village := login("village")
		var villagePath string
		if err := d.QueryRowContext(ctx, `SELECT a.path FROM users u JOIN areas a ON a.id = u.area_id WHERE u.username = 'village'`).Scan(&villagePath); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT id_number FROM persons WHERE area_path NOT LIKE ? AND id_number IS NOT NULL ORDER BY id LIMIT 1`,
			villagePath+"%").Scan(&outID); err != nil {
			t.Fatal(err)
		}
		// An ID number by POST: found in scope, answered on the spot, never echoed.
		st, body := do(clerk, "POST", "/search", url.Values{"q": {inID}})
		if st != 200 || !strings.Contains(body, "/persons/"+itoa64(inPerson)+"/file") || strings.Contains(body, inID) {
			t.Errorf("clerk POST /search own person: %d, link %v, full ID echoed %v", st, strings.Contains(body, "/file"), strings.Contains(body, inID))
		}
		st, body = do(village, "POST", "/search", url.Values{"q": {outID}})
		if st != 200 || strings.Contains(body, "/file\"") || !strings.Contains(body, `id="search-persons"`) {
			t.Errorf("village user found a person of another village: %d", st)
		}
		// An ID number in a URL is refused and not echoed; a name redirects to GET.
		st, body = do(clerk, "GET", "/search?q="+inID, nil)
		if st != http.StatusUnprocessableEntity || strings.Contains(body, inID) {
			t.Errorf("GET /search?q=<id>: %d, echoed %v", st, strings.Contains(body, inID))
		}
		if st, _ = do(clerk, "POST", "/search", url.Values{"q": {inName}}); st != http.StatusSeeOther {
			t.Errorf("POST /search name: %d, want 303", st)
		}
		if st, body = do(clerk, "GET", "/search?q="+url.QueryEscape(inName), nil); st != 200 || !strings.Contains(body, "/persons/"+itoa64(inPerson)+"/file") {
			t.Errorf("GET /search name: %d", st)
		}
		// The person file lists every settlement of the person and the caps.
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settlements WHERE person_id = ?`, inPerson).Scan(&n); err != nil {
			t.Fatal(err)
		}
		st, body = do(clerk, "GET", "/persons/"+itoa64(inPerson)+"/file", nil)
		if st != 200 || !strings.Contains(body, `id="person-settlements"`) || !strings.Contains(body, `id="person-enrollments"`) {
			t.Fatalf("person file: %d", st)
		}
		setl := body[strings.Index(body, `id="person-settlements"`):]
		setl = setl[:strings.Index(setl, "</table>")]
		if got := strings.Count(setl, "<tr>") - 1; got != n {
			t.Errorf("person file shows %d settlements, want %d", got, n)
		}
		if !strings.Contains(body, `id="ytd-caps"`) && !strings.Contains(body, `id="ytd-none"`) {
			t.Errorf("person file without the year to date")
		}
		// Settlement numbers: an institution finds its own, not another's.
		desk := login("desk")
		var own, other string
		_ = d.QueryRowContext(ctx, `SELECT s.id FROM settlements s JOIN users u ON u.institution_id = s.institution_id WHERE u.username = 'desk' LIMIT 1`).Scan(&own)
		_ = d.QueryRowContext(ctx, `SELECT s.id FROM settlements s JOIN users u ON u.username = 'desk' WHERE s.institution_id <> u.institution_id LIMIT 1`).Scan(&other)
		if own != "" {
			if _, body = do(desk, "GET", "/search?q="+own, nil); !strings.Contains(body, "/desk/settlements/"+own+"\"") {
				t.Errorf("desk does not find its own settlement %s", own)
			}
		}
		if other != "" {
			if _, body = do(desk, "GET", "/search?q="+other, nil); strings.Contains(body, "/desk/settlements/"+other+"\"") {
				t.Errorf("desk finds another institution's settlement %s", other)
			}
		}
		// Work waiting: the director's statements to approve are counted.
		var checked int
		_ = d.QueryRowContext(ctx, `SELECT COUNT(*) FROM statements WHERE status = 'checked'`).Scan(&checked)
		st, body = do(login("director"), "GET", "/", nil)
		if st != 200 {
			t.Fatalf("director home: %d", st)
		}
		if strings.Contains(body, `id="work-waiting"`) && !strings.Contains(body, `id="work-statements-checked"`) {
			t.Errorf("director's work waiting without the statements to approve")
		}
		_ = checked
		// A village user's home shows the village investigation queue.
		if st, body = do(village, "GET", "/", nil); st != 200 || !strings.Contains(body, `id="work-claims-village"`) {
			t.Errorf("village home: %d, work waiting for the village stage: %v", st, strings.Contains(body, `id="work-claims-village"`))
		}
	})
}
